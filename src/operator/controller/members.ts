/**
 * What each member says about itself, read from its admin HTTP endpoint (/commands/...).
 * Where a member is reached is decided in one place, memberAddress(), so that a test harness
 * (pods as local processes) or an operator outside the cluster can map it with
 * --member-address-template.
 */
import type { MemberRole } from '../api/index.js';

export const DEFAULT_MEMBER_ADDRESS_TEMPLATE =
  '{pod}.{ensemble}-headless.{namespace}.svc.cluster.local:{port}';

export interface MemberAddressVars {
  pod: string;
  ensemble: string;
  namespace: string;
  port: number;
  /** the pod's status.podIP, when it has one */
  podIP?: string;
}

/**
 * host:port from a template with {pod}, {ensemble}, {namespace}, {port} and {podIP}. A
 * template naming {podIP} gives undefined while the pod has no IP.
 */
export function memberAddress(template: string, v: MemberAddressVars): string | undefined {
  if (template.includes('{podIP}') && !v.podIP) return undefined;
  return template
    .replaceAll('{pod}', v.pod)
    .replaceAll('{ensemble}', v.ensemble)
    .replaceAll('{namespace}', v.namespace)
    .replaceAll('{port}', String(v.port))
    .replaceAll('{podIP}', v.podIP ?? '');
}

export interface MemberState {
  role: MemberRole;
  zxid?: bigint;
  /** leader only */
  syncedFollowers?: number;
  /** leader only: server ids of the voting members */
  votingServerIds?: number[];
}

const ROLES: Record<string, MemberRole> = {
  leader: 'leader',
  leading: 'leader',
  follower: 'follower',
  following: 'follower',
  observer: 'observer',
  observing: 'observer',
  standalone: 'standalone',
};

async function command(
  base: string,
  name: string,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/commands/${name}`, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as Record<string, unknown>;
  if (body.error) throw new Error(`${name}: ${String(body.error)}`);
  return body;
}

/** Asks one member; a member that does not answer is 'unknown', never an exception. */
export async function readMemberState(hostPort: string, timeoutMs = 2000): Promise<MemberState> {
  const base = `http://${hostPort}`;
  let stats: Record<string, unknown>;
  try {
    const srvr = await command(base, 'srvr', timeoutMs);
    stats = (srvr.server_stats ?? {}) as Record<string, unknown>;
  } catch {
    return { role: 'unknown' };
  }
  const role = ROLES[String(stats.server_state ?? '')] ?? 'unknown';
  const state: MemberState = { role };
  const zxid = stats.last_processed_zxid;
  if (typeof zxid === 'number' || typeof zxid === 'string') state.zxid = BigInt(zxid);
  if (role === 'leader') {
    try {
      const mntr = await command(base, 'mntr', timeoutMs);
      if (typeof mntr.synced_followers === 'number') state.syncedFollowers = mntr.synced_followers;
      const vv = await command(base, 'voting_view', timeoutMs);
      const cfg = (vv.current_config ?? {}) as Record<string, unknown>;
      state.votingServerIds = Object.keys(cfg)
        .map(Number)
        .filter((n) => Number.isInteger(n))
        .sort((a, b) => a - b);
    } catch {
      // A leader whose view we cannot read counts as unhealthy: nothing proceeds on a guess.
    }
  }
  return state;
}

export type YieldAnswer =
  | { outcome: 'yielding'; message: string }
  /** the member has no such command (Apache ZooKeeper): 404 or "Unknown command" */
  | { outcome: 'unsupported'; message: string }
  /** it has the command but will not yield now (not the leader, no follower, not running) */
  | { outcome: 'refused'; message: string };

/**
 * Asks a leader to hand leadership to a follower that has every txn (zkts's admin
 * `yield_leadership`, the `ydld` 4lw). The answer only says that it started: the caller waits
 * for another member to report itself leader.
 */
export async function requestYield(hostPort: string, timeoutMs = 5000): Promise<YieldAnswer> {
  const res = await fetch(`http://${hostPort}/commands/yield_leadership`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON (a plain 404 page): judged by the status below.
  }
  const error = typeof body.error === 'string' ? body.error : undefined;
  if (res.status === 404 || (error !== undefined && /unknown command/i.test(error)))
    return { outcome: 'unsupported', message: error ?? `HTTP ${res.status}` };
  const message = String(body.message ?? error ?? `HTTP ${res.status}`);
  if (res.ok && body.yielding === true) return { outcome: 'yielding', message };
  return { outcome: 'refused', message };
}
