/**
 * Dynamic reconfiguration (quorum-protocol.md §8), the pure parts: the config text that
 * /zookeeper/config, NEWLEADER and reconfig txns carry, and the leader's validation of a
 * reconfig request (Apache's PrepRequestProcessor, case OpCode.reconfig) into the next config.
 */
import { ErrorCode, ZkError } from '../proto/errors.js';
import type { ReconfigRequest } from '../proto/requests.js';
import { ConfigError } from '../server/config-error.js';
import { parseProperties } from '../server/config-properties.js';
import {
  formatQuorumConfig,
  parseServerSpec,
  type QuorumServerSpec,
} from '../server/config-servers.js';
import { majorityVerifier, type QuorumVerifier } from './quorum-verifier.js';

/** A config: its members and version (the zxid of the reconfig txn that made it). */
export interface QuorumConfig {
  servers: QuorumServerSpec[];
  version: bigint;
}

export function verifierOf(c: QuorumConfig): QuorumVerifier {
  return majorityVerifier(
    c.version,
    c.servers.map((s) => [BigInt(s.id), s.role]),
  );
}

/** The verifier of a config text (a reconfig txn's data, NEWLEADER's config). */
export function verifierOfText(text: string): QuorumVerifier {
  return verifierOf(parseConfigText(text));
}

/** The same config text under another version. */
export function configWithVersion(text: string, version: bigint): string {
  const c = parseConfigText(text);
  return configText({ servers: c.servers, version });
}

/** QuorumMaj.toString: the text of /zookeeper/config and of a reconfig txn. */
export function configText(c: QuorumConfig): string {
  return formatQuorumConfig(c.servers, c.version);
}

/**
 * Reads `server.N=…` lines (newline separated) and an optional `version=<hex>`, as Apache's
 * parseDynamicConfig does for /zookeeper/config data and NEWLEADER. Throws ConfigError.
 */
export function parseConfigText(text: string, source = 'config'): QuorumConfig {
  const servers: QuorumServerSpec[] = [];
  let version = 0n;
  for (const e of parseProperties(text, source)) {
    if (e.key === 'version') {
      if (!/^[0-9a-fA-F]{1,16}$/.test(e.value))
        throw new ConfigError(source, e.line, e.key, `expected a hex version, got "${e.value}"`);
      version = BigInt.asIntN(64, BigInt(`0x${e.value}`));
    } else if (e.key.startsWith('server.')) {
      const spec = parseServerSpec(e.key, e.value, {
        file: source,
        line: e.line,
        multiAddressEnabled: false,
      });
      if (servers.some((s) => s.id === spec.id))
        throw new ConfigError(source, e.line, e.key, `server id ${spec.id} appears twice`);
      servers.push(spec);
    } else {
      throw new ConfigError(source, e.line, e.key, 'only server.N and version belong here');
    }
  }
  return { servers: servers.sort((a, b) => a.id - b.id), version };
}

export interface ReconfigPlanInput {
  request: ReconfigRequest;
  /** The zxid the reconfig txn will have: the new config's version. */
  zxid: bigint;
  committed: QuorumConfig;
  lastSeen: QuorumConfig;
  /** Apache's standaloneEnabled: then a config needs 2 voters, else 1. */
  standaloneEnabled: boolean;
  /** Servers connected and synced to the leader, the leader itself included. */
  synced: readonly bigint[];
}

const badArguments = (why: string): never => {
  throw new ZkError(ErrorCode.badArguments, why);
};

function sameAddress(a: { host: string; port: number }, b: { host: string; port: number }) {
  return a.host === b.host && a.port === b.port;
}

/** QuorumServer.checkAddressDuplicate: no two servers share a quorum, election or client address. */
function checkAddressClash(joiner: QuorumServerSpec, other: QuorumServerSpec): void {
  const mine = joiner.addresses.flatMap((a) => [
    { host: a.host, port: a.quorumPort },
    { host: a.host, port: a.electionPort },
  ]);
  const theirs = other.addresses.flatMap((a) => [
    { host: a.host, port: a.quorumPort },
    { host: a.host, port: a.electionPort },
  ]);
  for (const m of mine)
    if (theirs.some((t) => sameAddress(m, t)))
      badArguments(`server.${joiner.id} uses ${m.host}:${m.port}, as server.${other.id} does`);
}

function parseJoiner(text: string): QuorumServerSpec {
  const parts = text.split('=');
  if (parts.length !== 2) return badArguments('Wrong format of server string');
  const key = parts[0]!.trim();
  const idText = key.slice(key.lastIndexOf('.') + 1);
  if (!/^\d+$/.test(idText)) return badArguments(`bad server id in "${key}"`);
  let spec: QuorumServerSpec;
  try {
    spec = parseServerSpec(`server.${idText}`, parts[1]!.trim(), {
      file: 'reconfig',
      line: 0,
      multiAddressEnabled: false,
    });
  } catch (e) {
    return badArguments(e instanceof Error ? e.message : String(e));
  }
  if (spec.clientAddress === undefined)
    badArguments('Wrong format of server string - each server should have 3 ports specified');
  return spec;
}

/** Apache's StringUtils.split: trimmed, empty pieces dropped. */
function splitList(s: string | null): string[] {
  if (s === null) return [];
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/**
 * The next config for a reconfig request, validated in Apache's order; throws ZkError with
 * RECONFIGINPROGRESS, BADVERSION, BADARGUMENTS or NEWCONFIGNOQUORUM. (The caller checks
 * reconfigEnabled, the session and the ACL of /zookeeper/config.)
 */
export function planReconfig(i: ReconfigPlanInput): QuorumConfig {
  if (i.lastSeen.version !== i.committed.version) throw new ZkError(ErrorCode.reconfigInProgress);
  const from = i.request.curConfigId;
  if (from !== -1n && from !== i.lastSeen.version)
    throw new ZkError(
      ErrorCode.badVersion,
      `Reconfiguration from version ${from} failed -- last seen version is ${i.lastSeen.version}`,
    );
  let servers: QuorumServerSpec[];
  if (i.request.newMembers !== null) {
    try {
      servers = parseConfigText(i.request.newMembers.replaceAll(',', '\n'), 'reconfig').servers;
    } catch (e) {
      return badArguments(e instanceof Error ? e.message : String(e));
    }
  } else {
    const next = new Map(i.lastSeen.servers.map((s) => [s.id, s]));
    for (const leaving of splitList(i.request.leavingServers)) {
      if (!/^\d+$/.test(leaving)) badArguments(`bad server id "${leaving}"`);
      next.delete(Number(leaving));
    }
    for (const text of splitList(i.request.joiningServers)) {
      const joiner = parseJoiner(text);
      for (const other of next.values())
        if (other.id !== joiner.id) checkAddressClash(joiner, other);
      next.set(joiner.id, joiner);
    }
    servers = [...next.values()].sort((a, b) => a.id - b.id);
  }
  const plan: QuorumConfig = { servers, version: i.zxid };
  const voters = servers.filter((s) => s.role === 'participant').length;
  if (i.standaloneEnabled && voters < 2)
    badArguments('Reconfig failed - new configuration must include at least 2 followers');
  if (voters < 1)
    badArguments('Reconfig failed - new configuration must include at least 1 follower');
  const qv = verifierOf(plan);
  const syncedVoters = new Set(i.synced.filter((sid) => qv.members.get(sid) === 'participant'));
  if (syncedVoters.size <= voters / 2)
    throw new ZkError(
      ErrorCode.newConfigNoQuorum,
      'Reconfig failed - there must be a connected and synced quorum in new configuration',
    );
  return plan;
}
