/**
 * `zkts server [--config zoo.cfg]`: reads zoo.cfg, starts a standalone server in the foreground
 * and stops it cleanly on SIGINT/SIGTERM. An invalid zoo.cfg exits with code 2 and a message
 * naming the file, the line and the key.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { ConfigError, parseZooCfg, type ZkConfig } from './config.js';
import { formatServerLine } from './config-servers.js';
import { ensembleParts, readMyId } from './ensemble-server.js';
import { withDynamicConfig } from './dynamic-config-file.js';
import { opsSettings } from './admin-settings.js';
import { processFourLetterEnv } from './fourlw-env.js';
import { installedVersion } from './stats.js';
import { startServer, type RunningServer, type TxnStore } from './server.js';
import { systemClock } from './system-clock.js';
import { openTxnStore } from './txn-store.js';
import { TouchedChunks } from './touched-chunks.js';
import { useFreshChunkSource } from '../tree/data-slab.js';
import { VERSION_DIR } from '../storage/file-names.js';
import type { ServerConfView } from './stats.js';

export const serverUsage = 'Usage: zkts server [--config <zoo.cfg>]';

export interface LoadedConfig {
  file: string;
  text: string;
  config: ZkConfig;
  warnings: string[];
  /** Version of the config in dynamicConfigFile (0 without one). */
  configVersion?: bigint;
}

/** `--config` may name zoo.cfg or the directory holding it; the default is ./zoo.cfg. */
export function resolveConfigPath(argv: string[]): string {
  const i = argv.indexOf('--config');
  const given =
    i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  const p = path.resolve(given ?? 'zoo.cfg');
  try {
    if (statSync(p).isDirectory()) return path.join(p, 'zoo.cfg');
  } catch {
    // a missing path is reported when it is read
  }
  return p;
}

export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      file,
      undefined,
      '',
      `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  const parsed = parseZooCfg(text, file);
  // dynamicConfigFile: the membership (and its version) comes from that file.
  const { config, version } = withDynamicConfig(parsed.config, file);
  return { file, text, config, warnings: parsed.warnings, configVersion: version };
}

function confView(
  config: ZkConfig,
  clientPort: number,
  myId: number,
  membership?: () => string,
): ServerConfView {
  const staticMembership =
    config.servers.map((s) => `${formatServerLine(s)}\n`).join('') + 'version=0\n';
  const quorum: ServerConfView['quorum'] = config.distributed
    ? {
        initLimit: config.initLimit,
        syncLimit: config.syncLimit,
        electionAlg: 3,
        electionPorts: config.servers.map((s) => s.addresses[0]!.electionPort),
        quorumPorts: config.servers.map((s) => s.addresses[0]!.quorumPort),
        peerType: config.peerType === 'observer' ? 1 : 0,
        // A getter: after a reconfig, `conf` shows the config now committed.
        get membership() {
          return membership?.() ?? staticMembership;
        },
      }
    : undefined;
  return {
    ...(quorum ? { quorum } : {}),
    clientPort,
    secureClientPort: -1,
    clientPortAddress: config.clientPortAddress,
    dataDir: path.join(config.dataDir, VERSION_DIR),
    dataLogDir: path.join(config.dataLogDir, VERSION_DIR),
    tickTimeMs: config.tickTimeMs,
    maxClientCnxns: config.maxClientCnxns,
    minSessionTimeoutMs: config.minSessionTimeoutMs,
    maxSessionTimeoutMs: config.maxSessionTimeoutMs,
    clientPortListenBacklog: -1,
    serverId: myId,
  };
}

/** Starts a standalone server from a parsed zoo.cfg. */
export async function startFromConfig(
  loaded: LoadedConfig,
  log: Logger,
  store?: TxnStore,
): Promise<RunningServer> {
  const { config } = loaded;
  const myId = config.distributed ? readMyId(config, loaded.file) : 0;
  const self = config.servers.find((s) => s.id === myId);
  const clientPort = config.clientPort ?? self?.clientAddress?.port ?? 2181;
  const clientHost = config.clientPortAddress ?? self?.clientAddress?.host;
  const parts = config.distributed
    ? await ensembleParts(config, myId, `${clientHost ?? '0.0.0.0'}:${clientPort}`, log, {
        staticFile: loaded.file,
        version: loaded.configVersion ?? 0n,
      })
    : undefined;
  return startServer({
    settings: {
      serverId: config.distributed ? myId : 1,
      tickTimeMs: config.tickTimeMs,
      minSessionTimeoutMs: config.minSessionTimeoutMs,
      maxSessionTimeoutMs: config.maxSessionTimeoutMs,
      extendedTypesEnabled: config.extendedTypesEnabled,
      reconfigEnabled: config.reconfigEnabled,
      enforceQuota: config.properties.get('zookeeper.enforceQuota') === 'true',
      superDigest: config.superDigest,
      maxBufferBytes: config.juteMaxBufferBytes,
    },
    clientHost,
    clientPort,
    maxClientCnxnsPerIp: config.maxClientCnxns,
    ops: opsSettings((k) => config.properties.get(k)),
    conf: confView(config, clientPort, myId, parts && (() => `${parts.ensemble.configText()}\n`)),
    initialConfiguration: loaded.text,
    store: parts?.store ?? store ?? (await openTxnStore(config, log)),
    ...(parts ? { ensemble: parts.ensemble } : {}),
    clock: systemClock,
    log,
    fourLetterEnv: processFourLetterEnv(systemClock, installedVersion()),
  });
}

/** Slab chunks (1 MiB each) kept touched and ready: ~15 ms of creates at 64 MB/s. */
const TOUCHED_CHUNKS_READY = 4;

export async function runServer(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${serverUsage}\n`);
    return 0;
  }
  const log = pino({ base: { svc: 'zkts' }, level: process.env.ZKTS_LOG_LEVEL ?? 'info' });
  const file = resolveConfigPath(argv);
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`zkts: invalid configuration: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  for (const warning of loaded.warnings) log.warn({ config: file }, warning);
  useFreshChunkSource(TouchedChunks.open(TOUCHED_CHUNKS_READY)?.take);
  let server: RunningServer;
  try {
    server = await startFromConfig(loaded, log);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`zkts: invalid configuration: ${err.message}\n`);
      return 2;
    }
    log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'zkts failed to start');
    return 1;
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'shutting down');
      server.close().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err: String(err) }, 'error during shutdown');
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
