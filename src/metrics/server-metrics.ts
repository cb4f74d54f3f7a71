/**
 * The server's Prometheus registry, with Apache ZooKeeper's metric names (as its
 * PrometheusMetricsProvider exports them: the mntr key without `zk_`, help = name;
 * summaries as `<name>{quantile=…}`, `<name>_sum`, `<name>_count`, with quantile 0.5 for
 * basic summaries and 0.5/0.9/0.99 for advanced ones). Every value is read from the
 * ServerView at scrape time, from the same functions `mntr` uses, so both always agree.
 */
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import {
  advancedSummaryNames,
  basicSummaryNames,
  counterNames,
  followerGaugeNames,
  leaderGaugeNames,
  quorumGaugeNames,
  standardGaugeNames,
  summarySetNames,
} from './catalog.js';
import { quorumGaugeValues, standardGaugeValue } from '../node/server/fourlw-monitor.js';
import { DISK_FAULT_METRIC, diskFaultValue } from './disk-fault.js';
import { JavaDouble, type MetricValue, type ServerView } from '../node/server/stats.js';

type PromType = 'gauge' | 'counter' | 'summary';

interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

const toNumber = (v: MetricValue): number =>
  v instanceof JavaDouble ? v.value : typeof v === 'string' ? Number(v) : Number(v);

/** A metric whose samples are computed when scraped (prom-client calls get()). */
function viewMetric(name: string, type: PromType, samples: () => Sample[]): Metric {
  const m = {
    name,
    help: name,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help: name, type, aggregator: 'sum', values: samples() }),
    reset: () => undefined,
  };
  // prom-client's registry only needs name/type/get; its typings list just its own classes.
  return m as unknown as Metric;
}

export interface ServerMetricsOptions {
  /** Also export process_* and nodejs_* (Apache exports JVM metrics by default). */
  processMetrics?: boolean;
}

/** A registry exporting `view`. `view` may be a function (the server may restart its view). */
export function createServerMetricsRegistry(
  view: ServerView | (() => ServerView | undefined),
  opts: ServerMetricsOptions = {},
): Registry {
  const current = typeof view === 'function' ? view : () => view;
  const registry = new Registry();
  const one = (read: (v: ServerView) => MetricValue | undefined) => (): Sample[] => {
    const v = current();
    if (!v) return [];
    const value = read(v);
    return value === undefined ? [] : [{ labels: {}, value: toNumber(value) }];
  };

  for (const g of standardGaugeNames) {
    registry.registerMetric(
      viewMetric(
        g,
        'gauge',
        one((v) => standardGaugeValue(v, g)),
      ),
    );
  }
  const quorumGauges = new Set<string>([
    ...quorumGaugeNames,
    ...leaderGaugeNames,
    ...followerGaugeNames,
  ]);
  for (const g of quorumGauges) {
    registry.registerMetric(
      viewMetric(
        g,
        'gauge',
        one((v) => quorumGaugeValues(v).find(([k]) => k === g)?.[1]),
      ),
    );
  }
  for (const c of counterNames) {
    registry.registerMetric(
      viewMetric(
        c,
        'counter',
        one((v) => v.stats.counter(c)),
      ),
    );
  }
  const summary = (name: string, quantiles: Array<[number, 'p50' | 'p90' | 'p99']>) =>
    viewMetric(name, 'summary', () => {
      const v = current();
      if (!v) return [];
      const s = v.stats.summary(name);
      const p = s.percentiles;
      return [
        ...quantiles.map(([q, key]) => ({ labels: { quantile: q }, value: p ? p[key] : 0 })),
        { metricName: `${name}_sum`, labels: {}, value: s.sum },
        { metricName: `${name}_count`, labels: {}, value: s.count },
      ];
    });
  for (const n of basicSummaryNames) registry.registerMetric(summary(n, [[0.5, 'p50']]));
  for (const n of advancedSummaryNames) {
    registry.registerMetric(
      summary(n, [
        [0.5, 'p50'],
        [0.9, 'p90'],
        [0.99, 'p99'],
      ]),
    );
  }
  for (const set of summarySetNames) {
    registry.registerMetric(
      viewMetric(set, 'summary', () => {
        const v = current();
        if (!v) return [];
        return v.stats.summarySet(set).flatMap(([key, s]): Sample[] => [
          { labels: { key, quantile: 0.5 }, value: s.percentiles?.p50 ?? 0 },
          { metricName: `${set}_sum`, labels: { key }, value: s.sum },
          { metricName: `${set}_count`, labels: { key }, value: s.count },
        ]);
      }),
    );
  }
  // zkts's own: the txn log's disk-fault state (Apache stops instead; see disk-fault.ts).
  registry.registerMetric(
    viewMetric(DISK_FAULT_METRIC, 'gauge', () => [{ labels: {}, value: diskFaultValue() }]),
  );
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
