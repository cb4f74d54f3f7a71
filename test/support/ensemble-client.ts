/**
 * What the ensemble tests do with clients and members: connect to one member, write and read
 * back after sync(), dump a subtree for comparison, read mntr figures, wait for a condition.
 */
import { ZkClient } from '../../src/client/zk-client.js';
import { ErrorCode } from '../../src/node/proto/errors.js';
import type { Stat } from '../../src/node/proto/types.js';
import type { EnsembleMember } from './ensemble.js';

export { ZkClient };

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns true; throws with `what` after timeoutMs. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A session on exactly this member (no other host to fall back to). */
export function connectTo(m: EnsembleMember, sessionTimeoutMs = 15_000): Promise<ZkClient> {
  return ZkClient.connect(m.address, { sessionTimeoutMs, connectTimeoutMs: 10_000 });
}

/** Connects to a member that is serving, retrying while it is still joining the quorum. */
export async function connectWhenServing(m: EnsembleMember, timeoutMs = 60_000): Promise<ZkClient> {
  let client: ZkClient | undefined;
  await waitUntil(
    `member ${m.sid} to accept a session`,
    async () => {
      try {
        client = await ZkClient.connect(m.address, {
          sessionTimeoutMs: 15_000,
          connectTimeoutMs: 5_000,
          reconnect: false,
        });
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
    300,
  );
  return client!;
}

export function errName(err: number): string {
  const e = Object.entries(ErrorCode).find(([, v]) => v === err);
  return e ? `${e[0]} (${err})` : String(err);
}

/** Throws unless the reply is OK; returns it. */
export function ok<T extends { header: { err: number } }>(reply: T, what: string): T {
  if (reply.header.err !== 0) throw new Error(`${what}: ${errName(reply.header.err)}`);
  return reply;
}

export async function createNode(c: ZkClient, path: string, data = '', flags = 0): Promise<string> {
  const r = ok(await c.create(path, Buffer.from(data), undefined, flags), `create ${path}`);
  return r.response?.kind === 'create' ? r.response.path : path;
}

/** sync(path) then getData: what this member holds once it has caught up with the leader. */
export async function readAfterSync(c: ZkClient, path: string): Promise<string | null> {
  ok(await c.sync(path), `sync ${path}`);
  const r = await c.getData(path);
  if (r.header.err === ErrorCode.noNode) return null;
  ok(r, `getData ${path}`);
  return r.response?.kind === 'getData' ? (r.response.data?.toString('utf8') ?? '') : null;
}

export async function childrenAfterSync(c: ZkClient, path: string): Promise<string[]> {
  ok(await c.sync(path), `sync ${path}`);
  const r = ok(await c.getChildren(path), `getChildren ${path}`);
  return r.response?.kind === 'getChildren' ? [...r.response.children].sort() : [];
}

export interface DumpedNode {
  data: string;
  stat: Pick<
    Stat,
    | 'czxid'
    | 'mzxid'
    | 'pzxid'
    | 'ctime'
    | 'mtime'
    | 'version'
    | 'cversion'
    | 'aversion'
    | 'ephemeralOwner'
    | 'numChildren'
    | 'dataLength'
  >;
}

/**
 * Every node under root (inclusive) with its data and the stat fields replicas must agree on.
 * /zookeeper is left out: each server writes /zookeeper/config itself (its own mtime).
 */
export async function dumpTree(c: ZkClient, root: string): Promise<Map<string, DumpedNode>> {
  ok(await c.sync(root), `sync ${root}`);
  const out = new Map<string, DumpedNode>();
  const walk = async (path: string): Promise<void> => {
    const d = ok(await c.getData(path), `getData ${path}`);
    if (d.response?.kind !== 'getData') throw new Error(`getData ${path}: no body`);
    const s = d.response.stat;
    out.set(path, {
      data: d.response.data?.toString('base64') ?? '',
      stat: {
        czxid: s.czxid,
        mzxid: s.mzxid,
        pzxid: s.pzxid,
        ctime: s.ctime,
        mtime: s.mtime,
        version: s.version,
        cversion: s.cversion,
        aversion: s.aversion,
        ephemeralOwner: s.ephemeralOwner,
        numChildren: s.numChildren,
        dataLength: s.dataLength,
      },
    });
    const k = ok(await c.getChildren(path), `getChildren ${path}`);
    const kids = k.response?.kind === 'getChildren' ? [...k.response.children].sort() : [];
    for (const kid of kids) {
      const child = path === '/' ? `/${kid}` : `${path}/${kid}`;
      if (child !== '/zookeeper') await walk(child);
    }
  };
  await walk(root);
  return out;
}

/** One numeric mntr figure of a member (undefined when the member does not report it). */
export async function mntrNumber(m: EnsembleMember, key: string): Promise<number | undefined> {
  const text = await m.fourLetter('mntr');
  const line = text.split('\n').find((l) => l.startsWith(`${key}\t`));
  return line === undefined ? undefined : Number(line.slice(key.length + 1));
}

/** The member's Zxid as `srvr` reports it. */
export async function srvrZxid(m: EnsembleMember): Promise<bigint | undefined> {
  const z = /^Zxid: (0x[0-9a-f]+)/m.exec(await m.fourLetter('srvr'));
  return z ? BigInt(z[1]!) : undefined;
}

/** Closes clients, ignoring ones that are already gone. */
export async function closeAll(...clients: (ZkClient | undefined)[]): Promise<void> {
  await Promise.all(clients.map((c) => c?.close(2_000).catch(() => undefined)));
}
