/**
 * The /metrics endpoint (Apache: metricsProvider.httpHost/httpPort, default 0.0.0.0:7000),
 * Prometheus text format 0.0.4.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ServerView } from '../node/server/stats.js';
import { createServerMetricsRegistry, type ServerMetricsOptions } from './server-metrics.js';

export interface MetricsServerOptions extends ServerMetricsOptions {
  /** metricsProvider.httpHost; Apache's default is 0.0.0.0. */
  host?: string;
  /** metricsProvider.httpPort; Apache's default is 7000; 0 picks a free port. */
  port?: number;
}

export interface RunningMetricsServer {
  port: number;
  registry: Registry;
  close(): Promise<void>;
}

/** Serves `registry` (or a new server registry over `view`) on /metrics. */
export async function startMetricsServer(
  view: ServerView | (() => ServerView | undefined) | Registry,
  opts: MetricsServerOptions = {},
): Promise<RunningMetricsServer> {
  const registry =
    typeof view === 'object' && 'metrics' in view && typeof view.metrics === 'function'
      ? (view as Registry)
      : createServerMetricsRegistry(view as ServerView | (() => ServerView | undefined), opts);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics.invalid').pathname;
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 7000, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    registry,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
