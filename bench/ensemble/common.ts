/**
 * What the ensemble probes need from a running ensemble (a subset of test/support/ensemble.ts's
 * Ensemble, so either implementation's ensemble can be passed), and the checks they share.
 */
import { ZkClient } from '../../src/client/zk-client.js';
import { ErrorCode } from '../../src/node/proto/errors.js';
import type { Ack } from './writer.js';

export type Mode = 'leader' | 'follower' | 'observer' | 'standalone' | null;

export interface MemberLike {
  sid: number;
  host: string;
  clientPort: number;
  readonly pid: number | undefined;
  readonly running: boolean;
  start(): Promise<void>;
  kill(): Promise<void>;
  fourLetter(word: string): Promise<string>;
  mode(): Promise<Mode>;
}

export interface EnsembleLike {
  members: MemberLike[];
  connectString: string;
  waitForQuorum(timeoutMs?: number): Promise<MemberLike>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const addressOf = (m: MemberLike): string => `${m.host}:${m.clientPort}`;

/** Connect string with `first` first, then the others in sid order. */
export function hostsStartingAt(e: EnsembleLike, first: MemberLike): string {
  return [first, ...e.members.filter((m) => m !== first)].map(addressOf).join(',');
}

export async function createFolder(connectString: string, path: string): Promise<void> {
  const c = await ZkClient.connect(connectString, { sessionTimeoutMs: 30_000 });
  try {
    const r = await c.create(path);
    if (r.header.err !== ErrorCode.ok && r.header.err !== ErrorCode.nodeExists)
      throw new Error(`create ${path} failed with error ${r.header.err}`);
  } finally {
    await c.close();
  }
}

export interface MissingOnServer {
  server: string;
  missing: number;
  children: number;
  /** The zxids the missing writes were acknowledged with, by epoch (for a bug report). */
  missingZxids?: string;
}

/** "epoch 3: 0x300000012..0x3000001a0 (264)" for each epoch among the acks. */
export function zxidRange(acks: readonly Ack[]): string {
  const byEpoch = new Map<bigint, bigint[]>();
  for (const a of acks) {
    const e = a.zxid >> 32n;
    byEpoch.set(e, [...(byEpoch.get(e) ?? []), a.zxid]);
  }
  return [...byEpoch]
    .map(([e, zs]) => {
      const sorted = zs.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      return `epoch ${e}: 0x${sorted[0]!.toString(16)}..0x${sorted.at(-1)!.toString(16)} (${zs.length})`;
    })
    .join('; ');
}

/**
 * Acknowledged writes missing from `dir` as seen by each running member after sync() (so a
 * write must be on every server the test can reach, not only on the one that answered).
 */
export async function missingOnMembers(
  e: EnsembleLike,
  dir: string,
  acks: readonly Ack[],
): Promise<MissingOnServer[]> {
  const out: MissingOnServer[] = [];
  for (const m of e.members.filter((x) => x.running)) {
    const c = await connectWithin(addressOf(m), 30_000);
    try {
      await c.sync(dir);
      const r = await c.getChildren(dir);
      if (r.header.err !== ErrorCode.ok || r.response?.kind !== 'getChildren')
        throw new Error(`getChildren ${dir} on ${addressOf(m)} failed with error ${r.header.err}`);
      const present = new Set(r.response.children);
      const missing = acks.filter((a) => !present.has(a.name));
      out.push({
        server: addressOf(m),
        missing: missing.length,
        children: present.size,
        ...(missing.length > 0 ? { missingZxids: zxidRange(missing) } : {}),
      });
    } finally {
      await c.close();
    }
  }
  return out;
}

/** Connects to one server, retrying while it is between roles (after a failover or handoff). */
export async function connectWithin(address: string, timeoutMs: number): Promise<ZkClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await ZkClient.connect(address, {
        sessionTimeoutMs: 30_000,
        reconnect: false,
        connectTimeoutMs: 5_000,
      });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

/** Polls until `member` serves as leader or follower (it has rejoined). */
export async function waitServing(m: MemberLike, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mode = await m.mode();
    if (mode === 'leader' || mode === 'follower') return;
    if (Date.now() > deadline) throw new Error(`server ${m.sid} did not rejoin (mode ${mode})`);
    await sleep(100);
  }
}

export function countsOf(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries(m);
}
