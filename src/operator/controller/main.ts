/**
 * `zkts operator`: runs the ZooKeeperEnsemble controller. In a cluster it uses the pod's
 * service account; outside one, --kubeconfig. With --leader-elect, replicas compete for a
 * Lease and only the holder reconciles.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import { makeEventRecorder } from './events.js';
import { startInformers, watchedResources } from './informers.js';
import { makeKube } from './kube.js';
import { LeaderElector } from './leader-election.js';
import { DEFAULT_MEMBER_ADDRESS_TEMPLATE } from './members.js';
import { OPERATOR_USAGE } from './usage.js';

export { OPERATOR_USAGE };
import { makeMetrics, startHttp } from './metrics.js';
import { reconcile } from './reconciler.js';
import { rawReconfigurer } from './reconfig.js';
import { WorkQueue } from './queue.js';

export interface OperatorOptions {
  kubeconfig?: string;
  /** watch one namespace; all namespaces when unset */
  namespace?: string;
  metricsPort: number;
  metricsHost: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  memberAddressTemplate: string;
  workers: number;
  zkAuth?: { scheme: string; auth: string };
  logLevel: string;
}

export class UsageError extends Error {}

export function parseOperatorArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): OperatorOptions {
  const o: OperatorOptions = {
    metricsPort: 8383,
    metricsHost: '',
    leaderElect: false,
    leaderElectionNamespace: '',
    leaderElectionId: 'zkts-operator',
    memberAddressTemplate:
      env.ZKTS_OPERATOR_MEMBER_ADDRESS_TEMPLATE || DEFAULT_MEMBER_ADDRESS_TEMPLATE,
    workers: 2,
    logLevel: env.LOG_LEVEL || 'info',
  };
  let zkAuth = env.ZKTS_OPERATOR_ZK_AUTH;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const int = (v: string, min: number, max: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new UsageError(`${flag}: not an integer in ${min}..${max}: ${v}`);
      return n;
    };
    switch (flag) {
      case '--kubeconfig':
        o.kubeconfig = value();
        break;
      case '--namespace':
      case '-n':
        o.namespace = value();
        break;
      case '--metrics-port':
        o.metricsPort = int(value(), 0, 65535);
        break;
      case '--metrics-host':
        o.metricsHost = value();
        break;
      case '--leader-elect':
        o.leaderElect = inline === undefined ? true : inline !== 'false';
        break;
      case '--leader-election-namespace':
        o.leaderElectionNamespace = value();
        break;
      case '--leader-election-id':
        o.leaderElectionId = value();
        break;
      case '--member-address-template':
        o.memberAddressTemplate = value();
        break;
      case '--workers':
        o.workers = int(value(), 1, 64);
        break;
      case '--zk-auth':
        zkAuth = value();
        break;
      case '--log-level':
        o.logLevel = value();
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (!o.memberAddressTemplate.includes('{port}'))
    throw new UsageError('--member-address-template must contain {port}');
  if (zkAuth) {
    const i = zkAuth.indexOf(':');
    if (i <= 0) throw new UsageError('--zk-auth must be scheme:auth');
    o.zkAuth = { scheme: zkAuth.slice(0, i), auth: zkAuth.slice(i + 1) };
  }
  o.leaderElectionNamespace ||= env.POD_NAMESPACE || o.namespace || 'default';
  // Run from a workstation (--kubeconfig), the endpoint is for the local user only.
  o.metricsHost ||= o.kubeconfig ? '127.0.0.1' : '0.0.0.0';
  return o;
}

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

export interface RunOperatorHooks {
  /** stops the operator like SIGTERM does (for running it inside a test process) */
  signal?: AbortSignal;
}

export async function runOperator(argv: string[], hooks: RunOperatorHooks = {}): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(OPERATOR_USAGE);
    return 0;
  }
  let opts: OperatorOptions;
  try {
    opts = parseOperatorArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`zkts operator: ${err.message}\n\n${OPERATOR_USAGE}`);
      return 2;
    }
    throw err;
  }
  const log = pino({ name: 'zkts-operator', level: opts.logLevel });
  try {
    return await run(opts, log, hooks);
  } catch (err) {
    log.fatal({ err }, 'operator failed');
    return 1;
  }
}

async function run(opts: OperatorOptions, log: Logger, hooks: RunOperatorHooks): Promise<number> {
  const kc = loadKubeConfig(opts.kubeconfig);
  const kube = makeKube(kc);
  const metrics = makeMetrics();
  const queue = new WorkQueue();
  // Unique per run, even for two operators in one process (tests) or a reused pod name.
  const identity = `${hostname()}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const state: { informers?: ReturnType<typeof startInformers> } = {};
  let lastLoopMs = Date.now();
  const elector = opts.leaderElect
    ? new LeaderElector({
        kube,
        namespace: opts.leaderElectionNamespace,
        name: opts.leaderElectionId,
        identity,
        log,
      })
    : undefined;

  const http = await startHttp(
    metrics,
    {
      // The worker loop ticks at least every resync; a loop stuck far longer is unhealthy.
      healthy: () => Date.now() - lastLoopMs < 5 * 60_000,
      ready: () => (elector && !elector.isLeader() ? true : (state.informers?.synced() ?? false)),
    },
    opts.metricsPort,
    opts.metricsHost,
  );
  const addr = http.address();
  log.info(
    {
      port: typeof addr === 'object' && addr ? addr.port : opts.metricsPort,
      namespace: opts.namespace ?? '(all)',
      leaderElect: opts.leaderElect,
      memberAddressTemplate: opts.memberAddressTemplate,
    },
    'zkts operator starting',
  );

  let stopping = false;
  let removeSignalHandlers = () => {};
  let electorLost = () => {};
  let exitCode = 0;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      resolve();
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    removeSignalHandlers = () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    };
    if (hooks.signal?.aborted) stop('abort');
    hooks.signal?.addEventListener('abort', () => stop('abort'), { once: true });
    if (elector) {
      // Losing the Lease means another replica may already act: stop at once, exit non-zero.
      electorLost = () => {
        exitCode = 1;
        stop('lease lost');
      };
    }
  });

  if (elector) {
    log.info(
      { lease: `${opts.leaderElectionNamespace}/${opts.leaderElectionId}`, identity },
      'waiting for leadership',
    );
    const won = elector.run(() => electorLost()).then(() => true);
    const result = await Promise.race([won, stopped.then(() => false)]);
    if (!result) {
      removeSignalHandlers();
      await elector.stop();
      await new Promise<void>((r) => http.close(() => r()));
      return 0;
    }
  }

  const informers = startInformers(
    kc,
    kube,
    watchedResources(opts.namespace),
    (k) => queue.add(k),
    log,
  );
  state.informers = informers;
  const deps = {
    kube,
    log,
    events: makeEventRecorder(kube, log),
    metrics,
    reconfigurer: rawReconfigurer(opts.zkAuth ? { auth: opts.zkAuth } : {}),
    memberAddressTemplate: opts.memberAddressTemplate,
    now: () => new Date(),
  };

  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      lastLoopMs = Date.now();
      const [ns, name] = key.split('/') as [string, string];
      const end = metrics.reconcileDuration.startTimer();
      try {
        const res = await reconcile(deps, ns, name);
        queue.forget(key);
        metrics.reconciles.inc({ result: 'ok' });
        if (res.requeueAfterMs !== undefined) queue.addAfter(key, res.requeueAfterMs);
      } catch (err) {
        metrics.reconciles.inc({ result: 'error' });
        metrics.reconcileErrors.inc();
        const delay = queue.addRateLimited(key);
        log.warn(
          {
            ensemble: key,
            err: err instanceof Error ? err.message : String(err),
            retryInMs: delay,
          },
          'reconcile failed',
        );
      } finally {
        end();
        queue.done(key);
      }
    }
  };
  const heartbeat = setInterval(() => {
    if (queue.length === 0) lastLoopMs = Date.now();
  }, 10_000);
  const workers = Array.from({ length: opts.workers }, () => worker());

  await stopped;
  removeSignalHandlers();
  clearInterval(heartbeat);
  queue.shutDown();
  await informers.stop();
  // A reconcile in flight finishes (bounded by request timeouts) so that no half-sent step is cut.
  await Promise.race([Promise.all(workers), new Promise((r) => setTimeout(r, 20_000).unref())]);
  await elector?.stop();
  await new Promise<void>((r) => http.close(() => r()));
  log.info('stopped');
  return exitCode;
}
