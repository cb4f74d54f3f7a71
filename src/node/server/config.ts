/**
 * zoo.cfg → ZkConfig. Pure in spirit (text in, value out, no I/O): the caller reads the files.
 * Accepts what Apache's QuorumPeerConfig accepts for the keys zkts implements, with Apache's
 * defaults; a bad value is a ConfigError naming file, line and key; an unknown key is a
 * warning, never an error and never silently taken for something else.
 */
import { limits } from '../../shared/limits.js';
import { ConfigError } from './config-error.js';
import { javaTrim, parseProperties, type PropertyEntry } from './config-properties.js';
import { parsePort, parseServerSpec, type QuorumServerSpec } from './config-servers.js';
import { fourLetterWords } from './fourlw.js';

export { ConfigError } from './config-error.js';
export {
  formatDynamicConfigFile,
  formatQuorumConfig,
  formatServerLine,
  formatServerSpec,
  javaHostString,
  type HostPort,
  type LearnerRole,
  type QuorumAddress,
  type QuorumServerSpec,
} from './config-servers.js';

export interface ZkConfig {
  tickTimeMs: number;
  dataDir: string;
  /** Defaults to dataDir. */
  dataLogDir: string;
  /** undefined: no client port in zoo.cfg (a quorum member may take it from its server.N line). */
  clientPort: number | undefined;
  clientPortAddress: string | undefined;
  /** Ticks; required (non-zero) for an ensemble. 0 = not set. */
  initLimit: number;
  syncLimit: number;
  /** server.N entries in id order (from zoo.cfg; a dynamicConfigFile is read separately). */
  servers: QuorumServerSpec[];
  /** More than one participant, or standaloneEnabled=false with servers: run as a quorum peer. */
  distributed: boolean;
  peerType: 'participant' | 'observer';
  maxClientCnxns: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  fourLetterWhitelist: Set<string> | '*';
  admin: { enabled: boolean; serverAddress: string; serverPort: number; commandUrl: string };
  metrics: {
    /** As written; undefined when absent (Apache then runs no metrics endpoint). */
    providerClassName: string | undefined;
    httpHost: string;
    httpPort: number;
  };
  juteMaxBufferBytes: number;
  autopurge: { snapRetainCount: number; purgeIntervalHours: number };
  snapCount: number;
  preAllocSizeBytes: number;
  forceSync: boolean;
  extendedTypesEnabled: boolean;
  reconfigEnabled: boolean;
  standaloneEnabled: boolean;
  readOnlyModeEnabled: boolean;
  dynamicConfigFile: string | undefined;
  /** zookeeper.electionPortBindRetry: 0 = retry forever. */
  electionPortBindRetry: number;
  quorumListenOnAllIPs: boolean;
  multiAddressEnabled: boolean;
  /** authProvider.<n> → class name. */
  authProviders: Map<string, string>;
  /** `user:base64(sha1(user:password))` for the super user, if set. */
  superDigest: string | undefined;
  localSessionsEnabled: boolean;
  localSessionsUpgradingEnabled: boolean;
  globalOutstandingLimit: number;
  syncEnabled: boolean;
  /** Every entry as read (trimmed; the last of duplicates wins), e.g. for opsSettings(get). */
  properties: Map<string, string>;
}

export interface ParsedZooCfg {
  config: ZkConfig;
  warnings: string[];
}

/** Keys Apache knows that zkts does not implement: accepted with a warning that they do nothing. */
const ignoredApacheKeys = new Set([
  'secureClientPort',
  'secureClientPortAddress',
  'observerMasterPort',
  'clientPortListenBacklog',
  'connectToLearnerMasterLimit',
  'electionAlg',
  'sslQuorum',
  'portUnification',
  'sslQuorumReloadCertFiles',
  'quorum.auth.enableSasl',
  'quorum.auth.serverRequireSasl',
  'quorum.auth.learnerRequireSasl',
  'quorum.auth.learner.saslLoginContext',
  'quorum.auth.server.saslLoginContext',
  'quorum.auth.kerberos.servicePrincipal',
  'quorum.cnxn.threads.size',
  'jvm.pause.info-threshold.ms',
  'jvm.pause.warn-threshold.ms',
  'jvm.pause.sleep.time.ms',
  'jvm.pause.monitor',
  'multiAddress.reachabilityCheckTimeoutMs',
  'multiAddress.reachabilityCheckEnabled',
  'oraclePath',
  'admin.idleTimeout',
  'admin.portUnification',
  'maxCnxns',
  'serverCnxnFactory',
  'audit.enable',
  'fsync.warningthresholdms',
  'txnLogSizeLimitInKb',
  'snapSizeLimitInKb',
  'digest.enabled',
  'snapshot.compression.method',
]);

const knownKeys = new Set([
  'tickTime',
  'dataDir',
  'dataLogDir',
  'clientPort',
  'clientPortAddress',
  'initLimit',
  'syncLimit',
  'maxClientCnxns',
  'minSessionTimeout',
  'maxSessionTimeout',
  '4lw.commands.whitelist',
  'admin.enableServer',
  'admin.serverAddress',
  'admin.serverPort',
  'admin.commandURL',
  'metricsProvider.className',
  'metricsProvider.httpPort',
  'metricsProvider.httpHost',
  'jute.maxbuffer',
  'autopurge.snapRetainCount',
  'autopurge.purgeInterval',
  'snapCount',
  'preAllocSize',
  'forceSync',
  'extendedTypesEnabled',
  'reconfigEnabled',
  'standaloneEnabled',
  'readonlymode.enabled',
  'dynamicConfigFile',
  'electionPortBindRetry',
  'quorumListenOnAllIPs',
  'multiAddress.enabled',
  'DigestAuthenticationProvider.superDigest',
  'localSessionsEnabled',
  'localSessionsUpgradingEnabled',
  'globalOutstandingLimit',
  'peerType',
  'syncEnabled',
]);

/** Keys Apache reads as system properties `zookeeper.<key>`: written either way in zoo.cfg. */
const zookeeperPrefixed = new Set([
  'extendedTypesEnabled',
  'DigestAuthenticationProvider.superDigest',
  'snapCount',
  'preAllocSize',
  'forceSync',
  'electionPortBindRetry',
  'globalOutstandingLimit',
  '4lw.commands.whitelist',
  'admin.enableServer',
  'admin.serverAddress',
  'admin.serverPort',
  'admin.commandURL',
  'jute.maxbuffer',
]);

const minSnapRetainCount = 3;
const int32Max = 2 ** 31 - 1;

/** Canonical key: drops a `zookeeper.` prefix from keys Apache also takes as system properties. */
function canonicalKey(key: string): string {
  if (key.startsWith('zookeeper.')) {
    const bare = key.slice('zookeeper.'.length);
    if (zookeeperPrefixed.has(bare)) return bare;
  }
  return key;
}

class Reader {
  readonly warnings: string[] = [];
  private readonly byKey = new Map<string, PropertyEntry>();

  constructor(
    readonly file: string,
    readonly entries: PropertyEntry[],
  ) {
    for (const e of entries) {
      const key = canonicalKey(e.key);
      const prev = this.byKey.get(key);
      if (prev !== undefined) {
        this.warn(e.line, `${key} is set again (line ${prev.line}); the last value wins`);
      }
      this.byKey.set(key, { ...e, key });
    }
  }

  warn(line: number, text: string): void {
    this.warnings.push(`${this.file}:${line}: ${text}`);
  }

  entry(key: string): PropertyEntry | undefined {
    return this.byKey.get(key);
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  fail(key: string, detail: string): never {
    throw new ConfigError(this.file, this.byKey.get(key)?.line, key, detail);
  }

  string(key: string): string | undefined {
    const e = this.byKey.get(key);
    if (e === undefined) return undefined;
    if (e.value === '') this.fail(key, 'expected a value, got nothing');
    return e.value;
  }

  /** Java Integer.parseInt, then a range check: no decimals, hex, units or trailing text. */
  int(key: string, dflt: number, min: number, max = int32Max, what?: string): number {
    const e = this.byKey.get(key);
    if (e === undefined) return dflt;
    const expected =
      what ??
      (min === 1 && max === int32Max
        ? 'a positive integer'
        : min === 0 && max === int32Max
          ? 'a non-negative integer'
          : `an integer ${min}..${max}`);
    if (!/^[+-]?\d+$/.test(e.value)) this.fail(key, `expected ${expected}, got "${e.value}"`);
    const n = Number(e.value);
    if (n < min || n > max) this.fail(key, `expected ${expected}, got "${e.value}"`);
    return n;
  }

  port(key: string, dflt: number): number {
    const e = this.byKey.get(key);
    if (e === undefined) return dflt;
    const port = parsePort(e.value);
    if (port === undefined) this.fail(key, `expected a port number 0..65535, got "${e.value}"`);
    return port;
  }

  /** QuorumPeerConfig.parseBoolean: true or false, any case; anything else is an error. */
  bool(key: string, dflt: boolean): boolean {
    const e = this.byKey.get(key);
    if (e === undefined) return dflt;
    const v = e.value.toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
    this.fail(key, `expected true or false, got "${e.value}"`);
  }
}

function parseWhitelist(r: Reader): Set<string> | '*' {
  const e = r.entry('4lw.commands.whitelist');
  if (e === undefined || e.value === '') return new Set(['srvr']);
  const words = e.value
    .split(',')
    .map((w) => javaTrim(w))
    .filter((w) => w !== '');
  if (words.includes('*')) return '*';
  const known = new Set<string>(fourLetterWords);
  for (const w of words) {
    if (!known.has(w)) r.warn(e.line, `4lw.commands.whitelist: unknown command "${w}" ignored`);
  }
  return new Set(words.filter((w) => known.has(w)));
}

function parseServers(r: Reader, multiAddressEnabled: boolean): QuorumServerSpec[] {
  const servers: QuorumServerSpec[] = [];
  const seen = new Map<number, string>();
  for (const key of r.keys()) {
    if (!key.startsWith('server.')) continue;
    const e = r.entry(key)!;
    const spec = parseServerSpec(key, e.value, {
      file: r.file,
      line: e.line,
      multiAddressEnabled,
    });
    const other = seen.get(spec.id);
    if (other !== undefined) {
      r.fail(key, `server id ${spec.id} is already given by ${other}`);
    }
    seen.set(spec.id, key);
    servers.push(spec);
  }
  return servers.sort((a, b) => a.id - b.id);
}

export function parseZooCfg(text: string, fileName: string): ParsedZooCfg {
  const r: Reader = new Reader(fileName, parseProperties(text, fileName));

  for (const key of r.keys()) {
    const line = r.entry(key)!.line;
    if (knownKeys.has(key)) continue;
    if (key.startsWith('server.') || key.startsWith('authProvider.')) continue;
    if (key.startsWith('metricsProvider.')) {
      r.warn(line, `${key}: not used by zkts's metrics endpoint; ignored`);
    } else if (key.startsWith('group.') || key.startsWith('weight.')) {
      r.fail(key, 'hierarchical quorums (group./weight.) are not supported');
    } else if (ignoredApacheKeys.has(key)) {
      r.warn(line, `${key}: not supported by zkts; ignored`);
    } else {
      r.warn(line, `${key}: unknown key; ignored`);
    }
  }

  const tickTimeMs = r.int('tickTime', limits.defaultTickTimeMs, 1);
  const dataDir = r.string('dataDir');
  if (dataDir === undefined) r.fail('dataDir', 'is not set');
  const dataLogDir = r.string('dataLogDir') ?? dataDir;

  const clientPort = r.entry('clientPort') === undefined ? undefined : r.port('clientPort', 0);
  const clientPortAddress = r.string('clientPortAddress');
  if (clientPortAddress !== undefined && clientPort === undefined) {
    r.fail('clientPortAddress', 'is set but clientPort is not');
  }

  const minSessionTimeoutMs = r.int(
    'minSessionTimeout',
    tickTimeMs * limits.minSessionTimeoutTicks,
    0,
  );
  const maxSessionTimeoutMs = r.int(
    'maxSessionTimeout',
    tickTimeMs * limits.maxSessionTimeoutTicks,
    0,
  );
  if (minSessionTimeoutMs > maxSessionTimeoutMs) {
    r.fail(
      r.entry('minSessionTimeout') ? 'minSessionTimeout' : 'maxSessionTimeout',
      `minSessionTimeout (${minSessionTimeoutMs}) must not be larger than maxSessionTimeout (${maxSessionTimeoutMs})`,
    );
  }

  let snapRetainCount = r.int('autopurge.snapRetainCount', minSnapRetainCount, 0);
  if (snapRetainCount < minSnapRetainCount) {
    r.warn(
      r.entry('autopurge.snapRetainCount')!.line,
      `autopurge.snapRetainCount: ${snapRetainCount} is below the minimum; using ${minSnapRetainCount}`,
    );
    snapRetainCount = minSnapRetainCount;
  }

  const peerTypeText = r.string('peerType')?.toLowerCase() ?? 'participant';
  if (peerTypeText !== 'participant' && peerTypeText !== 'observer') {
    r.fail('peerType', `expected participant or observer, got "${r.entry('peerType')!.value}"`);
  }

  let forceSync = true;
  const forceSyncText = r.string('forceSync');
  if (forceSyncText !== undefined) {
    // Apache treats anything but "no" as yes; we refuse to guess.
    if (forceSyncText !== 'yes' && forceSyncText !== 'no') {
      r.fail('forceSync', `expected yes or no, got "${forceSyncText}"`);
    }
    forceSync = forceSyncText === 'yes';
  }

  const superDigest = r.string('DigestAuthenticationProvider.superDigest');
  if (superDigest !== undefined && !/^[^:]+:[A-Za-z0-9+/]+=*$/.test(superDigest)) {
    r.fail('DigestAuthenticationProvider.superDigest', 'expected user:base64digest');
  }

  const authProviders = new Map<string, string>();
  for (const key of r.keys()) {
    if (key.startsWith('authProvider.'))
      authProviders.set(key.slice('authProvider.'.length), r.string(key)!);
  }

  const multiAddressEnabled = r.bool('multiAddress.enabled', false);
  const standaloneEnabled = r.bool('standaloneEnabled', true);
  const dynamicConfigFile = r.string('dynamicConfigFile');
  const servers = parseServers(r, multiAddressEnabled);
  if (dynamicConfigFile !== undefined && servers.length > 0) {
    r.fail(
      `server.${servers[0]!.id}`,
      'must be in the dynamic config file when dynamicConfigFile is set',
    );
  }
  const participants = servers.filter((s) => s.role === 'participant').length;
  if (servers.length > 0 && participants === 0) {
    r.fail(`server.${servers[0]!.id}`, 'observers without participants are not a valid ensemble');
  }
  const distributed = participants > 1 || (!standaloneEnabled && servers.length > 0);
  if (participants === 1 && standaloneEnabled && servers.length > 0) {
    const line = r.entry(`server.${servers[0]!.id}`)?.line ?? 0;
    r.warn(line, 'only one participant: running standalone (the server.N lines are ignored)');
  }

  const initLimit = r.int('initLimit', 0, 1);
  const syncLimit = r.int('syncLimit', 0, 1);
  if (distributed) {
    if (initLimit === 0) r.fail('initLimit', 'is not set (an ensemble needs it)');
    if (syncLimit === 0) r.fail('syncLimit', 'is not set (an ensemble needs it)');
  }

  const properties = new Map<string, string>();
  for (const key of r.keys()) properties.set(key, r.entry(key)!.value);

  const config: ZkConfig = {
    tickTimeMs,
    dataDir,
    dataLogDir,
    clientPort,
    clientPortAddress,
    initLimit,
    syncLimit,
    servers,
    distributed,
    peerType: peerTypeText as ZkConfig['peerType'],
    maxClientCnxns: r.int('maxClientCnxns', limits.maxClientCnxnsPerIp, 0),
    minSessionTimeoutMs,
    maxSessionTimeoutMs,
    fourLetterWhitelist: parseWhitelist(r),
    admin: {
      enabled: r.bool('admin.enableServer', true),
      serverAddress: r.string('admin.serverAddress') ?? '0.0.0.0',
      serverPort: r.port('admin.serverPort', 8080),
      commandUrl: r.string('admin.commandURL') ?? '/commands',
    },
    metrics: {
      providerClassName: r.string('metricsProvider.className'),
      httpHost: r.string('metricsProvider.httpHost') ?? '0.0.0.0',
      httpPort: r.port('metricsProvider.httpPort', 7000),
    },
    juteMaxBufferBytes: r.int('jute.maxbuffer', limits.juteMaxBufferBytes, 1),
    autopurge: {
      snapRetainCount,
      purgeIntervalHours: r.int('autopurge.purgeInterval', 0, 0),
    },
    snapCount: r.int('snapCount', limits.snapCount, 2),
    preAllocSizeBytes:
      r.int(
        'preAllocSize',
        limits.txnLogPreallocBytes / 1024,
        1,
        2 ** 31 - 1,
        'a positive size in KiB',
      ) * 1024,
    forceSync,
    extendedTypesEnabled: r.bool('extendedTypesEnabled', false),
    reconfigEnabled: r.bool('reconfigEnabled', false),
    standaloneEnabled,
    readOnlyModeEnabled: r.bool('readonlymode.enabled', false),
    dynamicConfigFile,
    electionPortBindRetry: r.int('electionPortBindRetry', 3, 0),
    quorumListenOnAllIPs: r.bool('quorumListenOnAllIPs', false),
    multiAddressEnabled,
    authProviders,
    superDigest,
    localSessionsEnabled: r.bool('localSessionsEnabled', false),
    localSessionsUpgradingEnabled: r.bool('localSessionsUpgradingEnabled', false),
    globalOutstandingLimit: r.int('globalOutstandingLimit', limits.globalOutstandingLimit, 1),
    syncEnabled: r.bool('syncEnabled', true),
    properties,
  };
  return { config, warnings: r.warnings };
}

export interface DynamicConfig {
  servers: QuorumServerSpec[];
  /** From a `version=` line if present, else from the file name's hex suffix, else 0. */
  version: bigint;
}

/**
 * QuorumPeerConfig.getVersionFromFilename: the hex suffix after the last '.', or undefined.
 * `zoo.cfg.dynamic.100000000` → 0x100000000n.
 */
export function versionFromFileName(fileName: string): bigint | undefined {
  const suffix = fileName.slice(fileName.lastIndexOf('.') + 1);
  if (!/^[0-9a-fA-F]{1,16}$/.test(suffix) || fileName.lastIndexOf('.') < 0) return undefined;
  return BigInt.asIntN(64, BigInt(`0x${suffix}`));
}

/**
 * A dynamic config: `server.N` lines and, for `.dynamic.next` files or /zookeeper/config data,
 * `version=<hex>`. Apache refuses a version line inside a `dynamicConfigFile`, whose version
 * is its name's suffix; pass allowVersionLine to read the other two forms (default: only for
 * names ending in `.next`).
 */
export function parseDynamicConfig(
  text: string,
  fileName: string,
  opts: { allowVersionLine?: boolean; multiAddressEnabled?: boolean } = {},
): DynamicConfig {
  const allowVersionLine = opts.allowVersionLine ?? fileName.endsWith('.next');
  const entries = parseProperties(text, fileName);
  const servers: QuorumServerSpec[] = [];
  const seen = new Map<number, string>();
  let version = versionFromFileName(fileName) ?? 0n;
  for (const e of entries) {
    if (e.key === 'version') {
      if (!allowVersionLine) {
        throw new ConfigError(
          fileName,
          e.line,
          e.key,
          "a dynamic config file must not hold a version (its name's suffix is the version)",
        );
      }
      if (!/^[0-9a-fA-F]{1,16}$/.test(e.value)) {
        throw new ConfigError(fileName, e.line, e.key, `expected a hex version, got "${e.value}"`);
      }
      version = BigInt.asIntN(64, BigInt(`0x${e.value}`));
    } else if (e.key.startsWith('server.')) {
      const spec = parseServerSpec(e.key, e.value, {
        file: fileName,
        line: e.line,
        multiAddressEnabled: opts.multiAddressEnabled ?? false,
      });
      const other = seen.get(spec.id);
      if (other !== undefined) {
        throw new ConfigError(
          fileName,
          e.line,
          e.key,
          `server id ${spec.id} is already given by ${other}`,
        );
      }
      seen.set(spec.id, e.key);
      servers.push(spec);
    } else if (e.key.startsWith('group.') || e.key.startsWith('weight.')) {
      throw new ConfigError(
        fileName,
        e.line,
        e.key,
        'hierarchical quorums (group./weight.) are not supported',
      );
    } else {
      throw new ConfigError(
        fileName,
        e.line,
        e.key,
        'only server.N (and version) belong in a dynamic config',
      );
    }
  }
  return { servers: servers.sort((a, b) => a.id - b.id), version };
}
