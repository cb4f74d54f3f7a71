/**
 * Differential check of the pure tree + txn layer: the same requests go to a real Apache
 * ZooKeeper 3.8 (through the raw client) and through prepareWrite → apply / processRead;
 * error codes, reply zxids and bodies (stats included, times normalised) must agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fourLetterWord, ZkClient } from '../../src/client/zk-client.js';
import { OpCode } from '../../src/node/proto/opcodes.js';
import type { Response } from '../../src/node/proto/requests.js';
import type { ACL, Id } from '../../src/node/proto/types.js';
import { digestOf } from '../../src/node/tree/acl.js';
import { Harness } from '../../src/node/txn/harness.js';
import { isWriteRequest, type WriteRequest } from '../../src/node/txn/index.js';
import { startApacheZk, type ApacheZk } from '../support/apache-zk.js';
import { join } from 'node:path';
import { listLogs, scanLogFile } from '../../src/node/storage/txn-log-file.js';
import { decodeTxnPayload } from '../../src/node/proto/txn-codec.js';
import type { LoggedTxn } from '../../src/node/proto/types.js';
import { DataTree } from '../../src/node/tree/data-tree.js';

let zk: ApacheZk;
const clients: ZkClient[] = [];

beforeAll(async () => {
  zk = await startApacheZk({ jvmFlags: ['-Dzookeeper.extendedTypesEnabled=true'] });
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close(2000).catch(() => undefined);
  await zk?.stop();
});

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const bob: Id = { scheme: 'digest', id: digestOf('bob', 'pw') };
const b = (s: string) => Buffer.from(s);

/** Times differ between the two runs; child order is a HashSet's in Apache. */
function normalise(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'ctime' || k === 'mtime') continue;
      out[k] = k === 'children' || k === 'ephemerals' ? [...(x as string[])].sort() : normalise(x);
    }
    if (out.kind === 'none') return null;
    return out;
  }
  return v;
}

describe('tree + txn vs Apache ZooKeeper 3.8', () => {
  it('same errors, zxids, stats and bodies for a mixed request sequence', async () => {
    const c1 = await ZkClient.connect(zk.connectString, { sessionTimeoutMs: 10_000 });
    clients.push(c1);
    const h = new Harness();
    const myTxns: LoggedTxn[] = [];
    const mixedModeZxids: bigint[] = [];
    const write = (...args: Parameters<Harness['write']>): ReturnType<Harness['write']> => {
      const w = h.write(...args);
      myTxns.push(w.txn);
      return w;
    };
    write(
      { type: OpCode.createSession, request: { timeOutMs: c1.negotiatedTimeoutMs } },
      { sessionId: c1.sessionId },
    );
    const c2 = await ZkClient.connect(zk.connectString, { sessionTimeoutMs: 10_000 });
    clients.push(c2);
    write(
      { type: OpCode.createSession, request: { timeOutMs: c2.negotiatedTimeoutMs } },
      { sessionId: c2.sessionId },
    );
    expect((await c1.addAuth('digest', 'bob:pw')).header.err).toBe(0);
    const auth = new Map<ZkClient, Id[]>([
      [c1, [{ scheme: 'ip', id: '127.0.0.1' }, bob]],
      [c2, [{ scheme: 'ip', id: '127.0.0.1' }]],
    ]);

    const steps: [ZkClient, number, unknown][] = [
      [c1, OpCode.create, { path: '/a', data: b('x'), acl: OPEN, flags: 0 }],
      [c1, OpCode.create2, { path: '/a/b', data: b('yy'), acl: OPEN, flags: 0 }],
      [c1, OpCode.create, { path: '/a/s-', data: null, acl: OPEN, flags: 2 }],
      [c1, OpCode.create, { path: '/a/s-', data: null, acl: OPEN, flags: 2 }],
      [c1, OpCode.delete, { path: '/a/s-0000000002', version: -1 }],
      [c1, OpCode.delete, { path: '/a/s-0000000001', version: 0 }],
      [c1, OpCode.create2, { path: '/a/s-', data: null, acl: OPEN, flags: 2 }],
      [c1, OpCode.getChildren2, { path: '/a', watch: false }],
      [c1, OpCode.setData, { path: '/a', data: b('new'), version: 0 }],
      [c1, OpCode.setData, { path: '/a', data: b('bad'), version: 5 }],
      [c1, OpCode.delete, { path: '/a', version: -1 }],
      [c1, OpCode.create, { path: '/a/b', data: null, acl: OPEN, flags: 0 }],
      [c1, OpCode.create, { path: '/nope/x', data: null, acl: OPEN, flags: 0 }],
      [c1, OpCode.create, { path: '/z', data: null, acl: [], flags: 0 }],
      [c1, OpCode.create, { path: '/z', data: null, acl: OPEN, flags: 9 }],
      [c1, OpCode.create, { path: '/a/', data: null, acl: OPEN, flags: 0 }],
      [c1, OpCode.delete, { path: '/zookeeper', version: -1 }],
      [
        c1,
        OpCode.setACL,
        {
          path: '/a/b',
          acl: [
            { perms: 31, id: bob },
            { perms: 1, id: { scheme: 'world', id: 'anyone' } },
          ],
          version: 0,
        },
      ],
      [
        c1,
        OpCode.setACL,
        { path: '/a/b', acl: [{ perms: 31, id: { scheme: 'auth', id: '' } }], version: -1 },
      ],
      [
        c2,
        OpCode.setACL,
        { path: '/a/b', acl: [{ perms: 31, id: { scheme: 'auth', id: '' } }], version: -1 },
      ],
      [c1, OpCode.getACL, { path: '/a/b' }],
      [c2, OpCode.getACL, { path: '/a/b' }],
      [c2, OpCode.getData, { path: '/a/b', watch: false }],
      [c2, OpCode.setData, { path: '/a/b', data: null, version: -1 }],
      [c2, OpCode.create, { path: '/e', data: b('eph'), acl: OPEN, flags: 1 }],
      [c2, OpCode.create, { path: '/e/x', data: null, acl: OPEN, flags: 0 }],
      [c2, OpCode.create2, { path: '/a/q-', data: null, acl: OPEN, flags: 3 }],
      [c1, OpCode.exists, { path: '/e', watch: false }],
      [c1, OpCode.exists, { path: '/missing', watch: false }],
      [c1, OpCode.createContainer, { path: '/c', data: null, acl: OPEN, flags: 4 }],
      [c1, OpCode.create, { path: '/c/k', data: null, acl: OPEN, flags: 1 }],
      [c1, OpCode.createTTL, { path: '/t', data: b('t'), acl: OPEN, flags: 5, ttl: 100_000 }],
      [c1, OpCode.createTTL, { path: '/t2', data: b('t'), acl: OPEN, flags: 5, ttl: 0 }],
      [c1, OpCode.createTTL, { path: '/t3', data: b('t'), acl: OPEN, flags: 6, ttl: 5000 }],
      [c1, OpCode.getData, { path: '/t', watch: false }],
      [
        c1,
        OpCode.multi,
        {
          ops: [
            { type: OpCode.create, request: { path: '/m', data: null, acl: OPEN, flags: 0 } },
            { type: OpCode.create, request: { path: '/m/s', data: null, acl: OPEN, flags: 2 } },
            { type: OpCode.create, request: { path: '/m/s', data: null, acl: OPEN, flags: 2 } },
            { type: OpCode.setData, request: { path: '/m', data: b('m'), version: 0 } },
            { type: OpCode.check, request: { path: '/m', version: 1 } },
            { type: OpCode.delete, request: { path: '/m/s0000000000', version: -1 } },
          ],
        },
      ],
      [
        c1,
        OpCode.multi,
        {
          ops: [
            { type: OpCode.create, request: { path: '/m2', data: null, acl: OPEN, flags: 0 } },
            { type: OpCode.check, request: { path: '/m', version: 7 } },
            { type: OpCode.delete, request: { path: '/m', version: -1 } },
          ],
        },
      ],
      [c1, OpCode.getChildren2, { path: '/m', watch: false }],
      [c1, OpCode.getAllChildrenNumber, { path: '/' }],
      [c1, OpCode.getAllChildrenNumber, { path: '/a' }],
      [c1, OpCode.getAllChildrenNumber, { path: '' }],
      [c1, OpCode.getChildren2, { path: '', watch: false }],
      [c1, OpCode.getACL, { path: '' }],
      [c2, OpCode.getEphemerals, { prefixPath: '/' }],
      [c1, OpCode.getData, { path: '/zookeeper/config', watch: false }],
      [c1, OpCode.setData, { path: '/zookeeper/config', data: b('x'), version: -1 }],
      [c1, OpCode.getChildren2, { path: '/', watch: false }],
      [c1, OpCode.getChildren2, { path: '/zookeeper', watch: false }],
      [c1, OpCode.exists, { path: '/zookeeper/quota', watch: false }],
      [c1, OpCode.createContainer, { path: '/c0', data: null, acl: OPEN, flags: 0 }],
      [c1, OpCode.create, { path: '/c4', data: null, acl: OPEN, flags: 4 }],
      [c1, OpCode.create, { path: '/c5', data: null, acl: OPEN, flags: 5 }],
      [c1, OpCode.createTTL, { path: '/t1', data: null, acl: OPEN, flags: 1, ttl: 10 }],
      [c1, OpCode.create2, { path: '/c0/e', data: null, acl: OPEN, flags: 1 }],
      [c1, OpCode.exists, { path: '/c4', watch: false }],
      [c1, OpCode.exists, { path: '/c0', watch: false }],
      [c1, OpCode.exists, { path: '/a\u0000', watch: false }],
      [c1, OpCode.getData, { path: '', watch: false }],
      [c1, OpCode.getData, { path: 'a', watch: false }],
      [c1, OpCode.delete, { path: '/a/', version: -1 }],
      [c1, OpCode.delete, { path: 'a', version: -1 }],
      [c1, OpCode.sync, { path: '/a' }],
      [c1, OpCode.setData, { path: '/zookeeper/quota', data: b('q'), version: -1 }],
      [c1, OpCode.setData, { path: '/zookeeper', data: b('z'), version: 0 }],
      [c1, OpCode.create, { path: '/zookeeper/x', data: null, acl: OPEN, flags: 0 }],
      [c1, OpCode.delete, { path: '/zookeeper/x', version: 0 }],
      [
        c1,
        OpCode.setACL,
        { path: '/x', acl: [{ perms: 1, id: { scheme: 'ip', id: '10.0.0.0/33' } }], version: -1 },
      ],
      [
        c1,
        OpCode.setACL,
        { path: '/x', acl: [{ perms: 1, id: { scheme: 'ip', id: '10.0.0.0/8' } }], version: -1 },
      ],
      [
        c1,
        OpCode.create,
        {
          path: '/ip',
          data: null,
          acl: [{ perms: 31, id: { scheme: 'ip', id: '127.0.0.0/8' } }],
          flags: 0,
        },
      ],
      [c1, OpCode.getData, { path: '/ip', watch: false }],
      // IPv6 ip ACLs (ZOOKEEPER-4240) are newer than 3.8, which answers -114; not compared here.
      [c1, OpCode.create, { path: '/dup', data: null, acl: [...OPEN, ...OPEN], flags: 0 }],
      [c1, OpCode.getACL, { path: '/dup' }],
      [c1, OpCode.getChildren2, { path: '/', watch: false }],
    ];

    for (const [client, type, record] of steps) {
      const apache = await client.request(type, record);
      const req = { type, request: record } as WriteRequest;
      const sessionId = client.sessionId;
      const authIds = auth.get(client)!;
      let mine: { err: number; response: Response | null; zxid: bigint };
      if (isWriteRequest(type)) {
        const w = write(req, { sessionId, authIds });
        const flags = (record as { flags?: number }).flags;
        if (
          (type === OpCode.createContainer && flags !== 4) ||
          (type === OpCode.create && flags === 4)
        )
          mixedModeZxids.push(w.txn.header.zxid);
        mine = { err: w.err, response: w.response, zxid: w.txn.header.zxid };
      } else {
        const r = h.read(req as never, authIds, sessionId);
        mine = { err: r.err, response: r.response, zxid: h.tree.lastProcessedZxid };
      }
      const label = `${type} ${JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`;
      expect({ label, err: mine.err, zxid: mine.zxid, body: normalise(mine.response) }).toEqual({
        label,
        err: apache.header.err,
        zxid: apache.header.zxid,
        body: normalise(apache.response),
      });
    }

    // Apache's own counters agree with the tree's (mntr).
    const mntr = new Map(
      (await fourLetterWord(zk.host, zk.port, 'mntr'))
        .trim()
        .split('\n')
        .map((l) => l.split('\t') as [string, string]),
    );
    expect({
      nodes: Number(mntr.get('zk_znode_count')),
      bytes: Number(mntr.get('zk_approximate_data_size')),
      ephemerals: Number(mntr.get('zk_ephemerals_count')),
    }).toEqual({
      nodes: h.tree.nodeCount(),
      bytes: h.tree.approximateDataSize(),
      ephemerals: h.tree.ephemeralCount(),
    });

    // Closing c2 deletes its ephemerals in both.
    const closeReply = await c2.close();
    const closed = write({ type: OpCode.closeSession, request: null }, { sessionId: c2.sessionId });
    expect(closed.txn.header.zxid).toBe(closeReply?.header.zxid);
    for (const path of ['/e', '/a/q-0000000004', '/a']) {
      const apache = await c1.exists(path);
      const mine = h.read({ type: OpCode.exists, request: { path, watch: false } });
      expect({ path, err: mine.err, body: normalise(mine.response) }).toEqual({
        path,
        err: apache.header.err,
        body: normalise(apache.response),
      });
    }

    // Apache's log holds the same txns we prepared (times aside), and replaying it through
    // DataTree.apply reproduces the tree digest Apache recorded after every txn.
    const logDir = join(zk.dataDir, 'version-2');
    const logged: LoggedTxn[] = [];
    for (const f of await listLogs(logDir)) {
      for (const e of (await scanLogFile(join(logDir, f.name))).entries)
        logged.push(decodeTxnPayload(e.payload));
    }
    const comparable = (t: LoggedTxn): unknown => {
      const txn =
        t.txn.type === OpCode.closeSession
          ? { ...t.txn, paths2Delete: [...(t.txn.paths2Delete ?? [])].sort() }
          : t.txn;
      return normalise({ ...t.header, time: 0, cxid: 0, txn });
    };
    expect(logged.map(comparable)).toEqual(myTxns.map(comparable));
    const replay = new DataTree();
    let withDigest = 0;
    const mismatches: bigint[] = [];
    for (const t of logged) {
      replay.apply(t);
      if (t.digest) {
        withDigest++;
        if (replay.digest() !== t.digest.treeDigest) mismatches.push(t.header.zxid);
      }
    }
    // Apache precalculates a txn's digest from the create mode, but its tree follows the opcode
    // (§9.4), so for the two mixed requests its logged digest disagrees with its own tree (it
    // logs "Digests are not matching"); everywhere else ours equals Apache's exactly.
    expect(mismatches).toEqual(mixedModeZxids);
    expect(withDigest).toBeGreaterThanOrEqual(30);
  }, 60_000);
});
