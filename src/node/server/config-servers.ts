/**
 * `server.N` entries (quorum-protocol.md §9): parsing, and the canonical text Apache writes
 * into /zookeeper/config, FLE notifications and dynamic config files.
 */
import { ConfigError } from './config-error.js';

export interface HostPort {
  /** As written; IPv6 literals without their brackets. */
  host: string;
  port: number;
}

export interface QuorumAddress {
  host: string;
  quorumPort: number;
  electionPort: number;
}

export type LearnerRole = 'participant' | 'observer';

export interface QuorumServerSpec {
  id: number;
  /** Several only with multiAddress.enabled (`a:1:2|b:1:2`). */
  addresses: QuorumAddress[];
  role: LearnerRole;
  /** Only when the `server.N` line itself names one (`;port` means host 0.0.0.0). */
  clientAddress: HostPort | undefined;
}

/** Sids become the top byte of session ids, so more than a byte would make ids collide. */
const maxServerId = 255;

/** ConfigUtils.getHostAndPort: `[v6]:a:b` keeps the bracketed host whole; otherwise split on ':'. */
function hostAndPorts(s: string): string[] | undefined {
  if (!s.startsWith('[')) return s.split(':');
  const close = s.indexOf(']');
  if (close < 0) return undefined;
  const rest = s.slice(close + 1);
  if (rest !== '' && !rest.startsWith(':')) return undefined;
  return [s.slice(1, close), ...(rest === '' ? [] : rest.slice(1).split(':'))];
}

function validHost(host: string): boolean {
  return host !== '' && !/[\s[\]|;,=]/.test(host);
}

/** Parses a decimal port (0..65535), or returns undefined. */
export function parsePort(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

export function parseServerId(key: string, file: string, line: number): number {
  const digits = key.slice('server.'.length);
  if (!/^\d+$/.test(digits) || Number(digits) > maxServerId) {
    throw new ConfigError(
      file,
      line,
      key,
      `server id must be an integer 0..${maxServerId} (it is the top byte of session ids), got "${digits}"`,
    );
  }
  return Number(digits);
}

export function parseServerSpec(
  key: string,
  value: string,
  opts: { file: string; line: number; multiAddressEnabled: boolean },
): QuorumServerSpec {
  const { file, line } = opts;
  const fail = (detail: string): never => {
    throw new ConfigError(file, line, key, `${detail} in "${value}"`);
  };
  const id = parseServerId(key, file, line);
  const parts = value.split(';');
  if (parts.length > 2) {
    fail(
      'expected host:quorumPort:electionPort[:role][;[clientHost:]clientPort] (one ";" at most; secure client ports are not supported)',
    );
  }
  const serverPart = parts[0]!;
  const addressTexts = serverPart.split('|');
  if (addressTexts.length > 1 && !opts.multiAddressEnabled) {
    fail('several "|"-separated addresses need multiAddress.enabled=true');
  }
  const addresses: QuorumAddress[] = [];
  let role: LearnerRole | undefined;
  for (const text of addressTexts) {
    const fields = hostAndPorts(text);
    if (fields === undefined || fields.length < 3 || fields.length > 4) {
      fail(`expected host:quorumPort:electionPort[:participant|:observer], got "${text}"`);
    }
    const [host, q, e, r] = fields!;
    if (!validHost(host!)) fail(`bad host "${host}"`);
    const quorumPort = parsePort(q!);
    const electionPort = parsePort(e!);
    if (quorumPort === undefined) fail(`quorum port must be 0..65535, got "${q}"`);
    if (electionPort === undefined) fail(`election port must be 0..65535, got "${e}"`);
    if (quorumPort === electionPort) fail('quorum and election ports must differ');
    if (r !== undefined) {
      const lower = r.toLowerCase();
      if (lower !== 'participant' && lower !== 'observer') {
        fail(`role must be participant or observer, got "${r}"`);
      }
      if (role !== undefined && role !== lower)
        fail('all addresses of a server need the same role');
      role = lower as LearnerRole;
    }
    addresses.push({ host: host!, quorumPort: quorumPort!, electionPort: electionPort! });
  }
  let clientAddress: HostPort | undefined;
  const clientText = parts[1];
  if (clientText !== undefined && clientText !== '') {
    const fields = hostAndPorts(clientText);
    if (fields === undefined || fields.length > 2) fail(`bad client address "${clientText}"`);
    const host = fields!.length === 2 ? fields![0]! : '0.0.0.0';
    if (!validHost(host)) fail(`bad client host "${host}"`);
    const port = parsePort(fields![fields!.length - 1]!);
    if (port === undefined) fail(`client port must be 0..65535, got "${fields!.at(-1)}"`);
    clientAddress = { host, port: port! };
  }
  return { id, addresses, role: role ?? 'participant', clientAddress };
}

function delimitedHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** QuorumServer.toString: the value of a `server.N` entry in canonical form. */
export function formatServerSpec(server: QuorumServerSpec): string {
  const sorted = [...server.addresses].sort((a, b) =>
    a.host < b.host ? -1 : a.host > b.host ? 1 : 0,
  );
  let out = sorted
    .map((a) => `${delimitedHost(a.host)}:${a.quorumPort}:${a.electionPort}`)
    .join('|');
  out += `:${server.role}`;
  if (server.clientAddress !== undefined) {
    out += `;${delimitedHost(server.clientAddress.host)}:${server.clientAddress.port}`;
  }
  return out;
}

/** `server.N=<canonical spec>`. */
export function formatServerLine(server: QuorumServerSpec): string {
  return `server.${server.id}=${formatServerSpec(server)}`;
}

/**
 * QuorumMaj.toString: what /zookeeper/config holds and FLE/NEWLEADER carry: one line per
 * server in id order, then `version=<hex>`, no trailing newline.
 */
export function formatQuorumConfig(servers: readonly QuorumServerSpec[], version: bigint): string {
  const lines = [...servers].sort((a, b) => a.id - b.id).map(formatServerLine);
  lines.push(`version=${BigInt.asUintN(64, version).toString(16)}`);
  return lines.join('\n');
}

/**
 * QuorumPeerConfig.writeDynamicConfig: the `zoo.cfg.dynamic.<hex>` file body, lines sorted as
 * strings; the version line only for `.dynamic.next` (keepVersion).
 */
export function formatDynamicConfigFile(
  servers: readonly QuorumServerSpec[],
  version: bigint,
  keepVersion: boolean,
): string {
  const lines = servers.map(formatServerLine);
  if (keepVersion) lines.push(`version=${BigInt.asUintN(64, version).toString(16)}`);
  return lines.sort().join('\n');
}
