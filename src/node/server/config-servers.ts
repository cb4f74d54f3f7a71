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

/** 8 groups of an IPv6 literal (with `::` and a trailing dotted quad), or undefined. */
function ipv6Groups(literal: string): number[] | undefined {
  let text = literal;
  const tail: number[] = [];
  const quad = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (quad !== null) {
    const b = quad.slice(2, 6).map(Number);
    if (b.some((x) => x > 255)) return undefined;
    tail.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
    text = quad[1]!.endsWith('::') ? quad[1]! : quad[1]!.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  const missing = 8 - head.length - rest.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...rest, ...tail];
}

/**
 * How Java prints an address literal (InetAddress.getHostAddress): IPv6 as eight unpadded
 * lowercase hex groups, no `::` (e.g. `::1` → `0:0:0:0:0:0:0:1`); IPv4-mapped IPv6 as the IPv4
 * address. Host names and anything unparsable stay as written.
 */
export function javaHostString(host: string): string {
  if (!host.includes(':')) return host;
  const percent = host.indexOf('%');
  const address = percent < 0 ? host : host.slice(0, percent);
  const scope = percent < 0 ? '' : host.slice(percent);
  const groups = ipv6Groups(address);
  if (groups === undefined) return host;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return groups.map((g) => g.toString(16)).join(':') + scope;
}

function delimitedHost(host: string): string {
  const text = javaHostString(host);
  return text.includes(':') ? `[${text}]` : text;
}

/**
 * QuorumServer.toString: the value of a `server.N` entry in canonical form, byte for byte as
 * Apache writes it (checked against Apache 3.8's QuorumServer), IPv6 literals in Java's form.
 */
export function formatServerSpec(server: QuorumServerSpec): string {
  const key = (a: QuorumAddress) => javaHostString(a.host);
  const sorted = [...server.addresses].sort((a, b) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0,
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
