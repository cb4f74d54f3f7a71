/** The operator's own metrics (zkts_operator_*) and its /metrics, /healthz, /readyz endpoint. */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  reconciles: Counter<'result'>;
  reconcileErrors: Counter;
  reconcileDuration: Histogram;
  membersReady: Gauge<'namespace' | 'ensemble'>;
  quorumPresent: Gauge<'namespace' | 'ensemble'>;
  actions: Counter<'action'>;
}

export function makeMetrics(): OperatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'zkts_operator_' });
  return {
    registry,
    reconciles: new Counter({
      name: 'zkts_operator_reconciles_total',
      help: 'Reconciles run, by result (ok, error, requeue)',
      labelNames: ['result'],
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: 'zkts_operator_reconcile_errors_total',
      help: 'Reconciles that failed',
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'zkts_operator_reconcile_duration_seconds',
      help: 'Time one reconcile took',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    membersReady: new Gauge({
      name: 'zkts_operator_members_ready',
      help: 'Ready members of an ensemble',
      labelNames: ['namespace', 'ensemble'],
      registers: [registry],
    }),
    quorumPresent: new Gauge({
      name: 'zkts_operator_quorum_present',
      help: '1 when the ensemble has exactly one leader and all followers synced',
      labelNames: ['namespace', 'ensemble'],
      registers: [registry],
    }),
    actions: new Counter({
      name: 'zkts_operator_actions_total',
      help: 'Actions taken by the planner, by type',
      labelNames: ['action'],
      registers: [registry],
    }),
  };
}

export interface Probes {
  /** process is alive and its loops run */
  healthy(): boolean;
  /** informers synced (and leading, or standing by as a candidate) */
  ready(): boolean;
}

export function startHttp(
  metrics: OperatorMetrics,
  probes: Probes,
  port: number,
  host = '0.0.0.0',
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'Content-Type': type });
      res.end(body);
    };
    if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => reply(200, text, metrics.registry.contentType))
        .catch((err: unknown) => reply(500, String(err)));
    } else if (path === '/healthz' || path === '/livez') {
      const ok = probes.healthy();
      reply(ok ? 200 : 503, ok ? 'ok\n' : 'unhealthy\n');
    } else if (path === '/readyz') {
      const ok = probes.ready();
      reply(ok ? 200 : 503, ok ? 'ok\n' : 'not ready\n');
    } else reply(404, 'not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
