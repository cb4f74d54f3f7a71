/**
 * The zoo.cfg keys of the operations surface, with Apache's defaults, and one call that starts
 * the admin HTTP server and the Prometheus endpoint for a running server.
 *
 * - `4lw.commands.whitelist` (default `srvr`, plus `isro` when readonlymode.enabled)
 * - `admin.enableServer` (true), `admin.serverAddress` (0.0.0.0), `admin.serverPort` (8080),
 *   `admin.commandURL` (/commands)
 * - `metricsProvider.className` (Apache's default is its NullMetricsProvider: no endpoint);
 *   naming PrometheusMetricsProvider enables `/metrics` on `metricsProvider.httpHost`
 *   (0.0.0.0) : `metricsProvider.httpPort` (7000). Setting httpPort alone also enables it.
 */
import { startMetricsServer, type RunningMetricsServer } from '../../metrics/http.js';
import type { AdminEnv } from './admin-commands.js';
import { startAdminServer, type RunningAdminServer } from './admin-http.js';
import { parseFourLetterWhitelist } from './fourlw.js';
import type { ServerView } from './stats.js';

export interface OpsSettings {
  fourLetterWhitelist: Set<string> | '*';
  admin: { enabled: boolean; host: string; port: number; commandUrl: string };
  metrics: { enabled: boolean; host: string; port: number };
}

export const prometheusProviderClass =
  'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider';

/** Reads the settings; `get` returns the raw zoo.cfg value of a key, or undefined. Throws on bad values. */
export function opsSettings(get: (key: string) => string | undefined): OpsSettings {
  const port = (key: string, dflt: number) => {
    const v = get(key)?.trim();
    if (v === undefined || v === '') return dflt;
    if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`${key}=${v}: not a port number`);
    return Number(v);
  };
  const bool = (key: string, dflt: boolean) => {
    const v = get(key)?.trim().toLowerCase();
    if (v === undefined || v === '') return dflt;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new Error(`${key}=${v}: expected true or false`);
  };
  const className = get('metricsProvider.className')?.trim();
  const metricsEnabled =
    className === prometheusProviderClass ||
    className === 'PrometheusMetricsProvider' ||
    ((className === undefined || className === '') &&
      get('metricsProvider.httpPort') !== undefined);
  return {
    fourLetterWhitelist: parseFourLetterWhitelist(
      get('4lw.commands.whitelist'),
      bool('readonlymode.enabled', false),
    ),
    admin: {
      enabled: bool('admin.enableServer', true),
      host: get('admin.serverAddress')?.trim() || '0.0.0.0',
      port: port('admin.serverPort', 8080),
      commandUrl: get('admin.commandURL')?.trim() || '/commands',
    },
    metrics: {
      enabled: metricsEnabled,
      host: get('metricsProvider.httpHost')?.trim() || '0.0.0.0',
      port: port('metricsProvider.httpPort', 7000),
    },
  };
}

export interface RunningOpsEndpoints {
  admin: RunningAdminServer | undefined;
  metrics: RunningMetricsServer | undefined;
  close(): Promise<void>;
}

/** Starts what `settings` enables; if one fails to listen, the other is closed again. */
export async function startOpsEndpoints(
  view: ServerView | (() => ServerView | undefined),
  settings: OpsSettings,
  env: AdminEnv,
): Promise<RunningOpsEndpoints> {
  let admin: RunningAdminServer | undefined;
  let metrics: RunningMetricsServer | undefined;
  try {
    if (settings.admin.enabled) {
      admin = await startAdminServer(view, {
        host: settings.admin.host,
        port: settings.admin.port,
        commandUrl: settings.admin.commandUrl,
        env,
      });
    }
    if (settings.metrics.enabled) {
      metrics = await startMetricsServer(view, {
        host: settings.metrics.host,
        port: settings.metrics.port,
      });
    }
  } catch (err) {
    await admin?.close();
    throw err;
  }
  return {
    admin,
    metrics,
    close: async () => {
      await Promise.all([admin?.close(), metrics?.close()]);
    },
  };
}
