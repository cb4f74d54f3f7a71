/**
 * Interop with a real Apache ZooKeeper 3.8, both directions:
 *  - Apache writes a dataDir (kazoo + zkCli create znodes of every kind); our reader decodes
 *    its snapshot and log, and every node equals what the client read from Apache;
 *    re-encoding Apache's snapshot with our writer gives the same bytes.
 *  - We write a dataDir (snapshot + log); Apache starts from it with the expected tree.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OpCode } from '../../src/node/proto/opcodes.js';
import type { LoggedTxn } from '../../src/node/proto/types.js';
import { logFileName, snapshotFileName } from '../../src/node/storage/file-names.js';
import {
  decodeSnapshot,
  encodeSnapshot,
  type DecodedSnapshot,
} from '../../src/node/storage/snapshot-format.js';
import { findValidSnapshots } from '../../src/node/storage/snapshot-file.js';
import { loadTxnCodec } from '../../src/node/storage/txn-codec-loader.js';
import { listLogs, scanLogFile } from '../../src/node/storage/txn-log-file.js';
import { encodeLogHeader, frameEntries } from '../../src/node/storage/txn-log-format.js';
import { apacheJars, startApacheZk, type ApacheZk } from '../support/apache-zk.js';

interface ClientNode {
  path: string;
  data: string | null;
  stat: {
    czxid: number;
    mzxid: number;
    ctime: number;
    mtime: number;
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: number | string;
    dataLength: number;
    numChildren: number;
    pzxid: number;
  };
  acl: { perms: number; scheme: string; id: string }[];
}

const script = new URL('./support/kazoo-tree.py', import.meta.url).pathname;
const servers: ApacheZk[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function kazoo(mode: 'write' | 'read', connect: string): string {
  return execFileSync('/usr/bin/python3', [script, mode, connect], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

function zkCli(connect: string, ...cmd: string[]): void {
  execFileSync(
    'java',
    ['-cp', apacheJars.join(':'), 'org.apache.zookeeper.ZooKeeperMain', '-server', connect, ...cmd],
    {
      stdio: 'ignore',
      timeout: 120_000,
    },
  );
}

async function start(dataDir: string): Promise<ApacheZk> {
  const s = await startApacheZk({ dataDir });
  servers.push(s);
  return s;
}

async function stop(s: ApacheZk): Promise<void> {
  await s.stop();
  servers.splice(servers.indexOf(s), 1);
}

/** The client's view of a snapshot node: derived Stat fields as the server computes them. */
function clientView(s: DecodedSnapshot): Map<string, ClientNode> {
  const children = new Map<string, number>();
  for (const n of s.nodes) {
    if (n.path === '') continue;
    const parent = n.path.slice(0, n.path.lastIndexOf('/'));
    children.set(parent, (children.get(parent) ?? 0) + 1);
  }
  const out = new Map<string, ClientNode>();
  for (const n of s.nodes) {
    const kids = children.get(n.path) ?? 0;
    const owner = n.stat.ephemeralOwner;
    // Containers (0x8000…) and TTL nodes (0xFF…) show owner 0 to clients.
    const clientOwner = owner < 0n ? 0n : owner;
    const acl =
      n.aclIndex === -1n
        ? [{ perms: 31, scheme: 'world', id: 'anyone' }]
        : (s.acls.get(n.aclIndex) ?? []).map((a) => ({
            perms: a.perms,
            scheme: a.id.scheme,
            id: a.id.id,
          }));
    const path = n.path === '' ? '/' : n.path;
    out.set(path, {
      path,
      data: (n.data ?? Buffer.alloc(0)).toString('base64'),
      stat: {
        czxid: Number(n.stat.czxid),
        mzxid: Number(n.stat.mzxid),
        ctime: n.stat.ctime,
        mtime: n.stat.mtime,
        version: n.stat.version,
        cversion: 2 * n.stat.cversion - kids,
        aversion: n.stat.aversion,
        ephemeralOwner: clientOwner.toString(),
        dataLength: n.data?.length ?? 0,
        numChildren: kids,
        pzxid: Number(n.stat.pzxid),
      },
      acl,
    });
  }
  return out;
}

function readTree(connect: string): Map<string, ClientNode> {
  const nodes = JSON.parse(kazoo('read', connect)) as ClientNode[];
  return new Map(
    nodes.map((n) => [
      n.path,
      {
        ...n,
        data: n.data ?? '',
        stat: { ...n.stat, ephemeralOwner: BigInt(n.stat.ephemeralOwner).toString() },
      },
    ]),
  );
}

const sorted = (m: Map<string, ClientNode>) =>
  [...m.values()].sort((a, b) => (a.path < b.path ? -1 : 1));

describe('interop with Apache ZooKeeper 3.8', () => {
  let apacheSnapshot: DecodedSnapshot;
  let apacheSnapshotZxid = 0n;
  let apacheView: Map<string, ClientNode>;

  it('reads a dataDir written by Apache: every node equals what the client read', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'zkts-interop-a-'));
    dirs.push(dataDir);
    let zk = await start(dataDir);
    kazoo('write', zk.connectString);
    zkCli(zk.connectString, 'create', '-c', '/cont', 'container');
    zkCli(zk.connectString, 'create', '/cont/keep', 'k');
    zkCli(zk.connectString, 'create', '-t', '600000', '/ttl', 'ttl');
    apacheView = readTree(zk.connectString);
    await stop(zk);

    // Every entry of Apache's log decodes, and re-encodes to the same bytes.
    const codec = await loadTxnCodec();
    const v2 = join(dataDir, 'version-2');
    const logs = await listLogs(v2);
    expect(logs.length).toBeGreaterThan(0);
    const types = new Set<number>();
    let lastLogZxid = 0n;
    for (const l of logs) {
      const scan = await scanLogFile(join(v2, l.name));
      expect(scan.end.kind).toBe('clean');
      for (const e of scan.entries) {
        const t: LoggedTxn = codec.decode(e.payload);
        types.add(t.header.type);
        lastLogZxid = t.header.zxid;
        expect(codec.encode(t).equals(e.payload)).toBe(true);
      }
    }
    for (const t of [
      OpCode.createSession,
      OpCode.create,
      OpCode.setData,
      OpCode.setACL,
      OpCode.delete,
      OpCode.multi,
    ])
      expect(types).toContain(t);

    // Apache writes a snapshot of everything it loaded when it starts: restart it once.
    zk = await start(dataDir);
    await stop(zk);
    const snaps = await findValidSnapshots(v2, 1);
    apacheSnapshotZxid = snaps[0]!.zxid;
    expect(apacheSnapshotZxid).toBe(lastLogZxid);
    const bytes = await readFile(join(v2, snaps[0]!.name));
    apacheSnapshot = decodeSnapshot(bytes);
    // 3.8 writes the digest section but not lastProcessedZxid (a 3.9 addition).
    expect(apacheSnapshot.seals).toBe(2);
    expect(apacheSnapshot.zxidDigest?.zxid).toBe(apacheSnapshotZxid);
    const ours = clientView(apacheSnapshot);
    expect(sorted(ours)).toEqual(sorted(apacheView));
    expect([...ours.keys()]).toEqual(
      expect.arrayContaining(['/e', '/cont', '/ttl', '/acl', '/p/seq-0000000002']),
    );
    // Our writer reproduces Apache's snapshot byte for byte from what we read.
    const again = encodeSnapshot(apacheSnapshot, {
      zxidDigest: apacheSnapshot.zxidDigest,
      lastProcessedZxid: apacheSnapshot.lastProcessedZxid,
    });
    expect(again.equals(bytes)).toBe(true);
  });

  it('Apache starts from a dataDir we wrote (snapshot + log) with the expected tree', async () => {
    expect(apacheSnapshot).toBeDefined();
    const codec = await loadTxnCodec();
    const dataDir = await mkdtemp(join(tmpdir(), 'zkts-interop-b-'));
    dirs.push(dataDir);
    const v2 = join(dataDir, 'version-2');
    await mkdir(v2);
    const z = apacheSnapshotZxid;
    await writeFile(
      join(v2, snapshotFileName(z)),
      encodeSnapshot(apacheSnapshot, { zxidDigest: null, lastProcessedZxid: z }),
    );
    const sid = [...apacheSnapshot.sessions.keys()][0]!;
    const root = apacheSnapshot.nodes.find((n) => n.path === '')!;
    const p = apacheSnapshot.nodes.find((n) => n.path === '/p')!;
    const t0 = 1_800_000_000_000;
    const txns: LoggedTxn[] = [
      {
        header: { clientId: sid, cxid: 100, zxid: z + 1n, time: t0, type: OpCode.create },
        txn: {
          type: OpCode.create,
          path: '/fromlog',
          data: Buffer.from('written by zkts'),
          acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
          ephemeral: false,
          parentCVersion: root.stat.cversion + 1,
        },
      },
      {
        header: { clientId: sid, cxid: 101, zxid: z + 2n, time: t0 + 1, type: OpCode.setData },
        txn: {
          type: OpCode.setData,
          path: '/p',
          data: Buffer.from('changed'),
          version: p.stat.version + 1,
        },
      },
      {
        header: { clientId: sid, cxid: 102, zxid: z + 3n, time: t0 + 2, type: OpCode.delete },
        txn: { type: OpCode.delete, path: '/p/child1' },
      },
    ];
    await writeFile(
      join(v2, logFileName(z + 1n)),
      Buffer.concat([
        encodeLogHeader(),
        frameEntries(txns.map(codec.encode)),
        Buffer.alloc(64 * 1024),
      ]),
    );
    const zk = await start(dataDir);
    const tree = readTree(zk.connectString);
    await stop(zk);

    const expected = new Map(apacheView);
    const r = expected.get('/')!;
    expected.set('/', {
      ...r,
      stat: {
        ...r.stat,
        cversion: r.stat.cversion + 1,
        numChildren: r.stat.numChildren + 1,
        pzxid: Number(z + 1n),
      },
    });
    expected.set('/fromlog', {
      path: '/fromlog',
      data: Buffer.from('written by zkts').toString('base64'),
      stat: {
        czxid: Number(z + 1n),
        mzxid: Number(z + 1n),
        ctime: t0,
        mtime: t0,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeralOwner: '0',
        dataLength: 15,
        numChildren: 0,
        pzxid: Number(z + 1n),
      },
      acl: [{ perms: 31, scheme: 'world', id: 'anyone' }],
    });
    const ep = expected.get('/p')!;
    expected.set('/p', {
      ...ep,
      data: Buffer.from('changed').toString('base64'),
      stat: {
        ...ep.stat,
        version: ep.stat.version + 1,
        mzxid: Number(z + 2n),
        mtime: t0 + 1,
        dataLength: 7,
        cversion: ep.stat.cversion + 1,
        numChildren: ep.stat.numChildren - 1,
        pzxid: Number(z + 3n),
      },
    });
    expected.delete('/p/child1');
    expect(sorted(tree)).toEqual(sorted(expected));
    // Apache took its own snapshot at start; it must be readable by us too.
    const snaps = await readdir(v2);
    expect(snaps).toContain(snapshotFileName(z + 3n));
  });
});
