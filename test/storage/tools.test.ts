/**
 * The dump tools against Apache's own (SnapshotFormatter, TxnLogToolkit) on files written
 * by our writer: Apache must read them, and both must print the same per-node and per-txn facts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCleanup } from '../../src/cli/storage-cleanup.js';
import { runSnapshotDump } from '../../src/cli/storage-snapshot.js';
import { runTxnlogDump, runTxnlogTruncate } from '../../src/cli/storage-txnlog.js';
import { OpCode } from '../../src/node/proto/opcodes.js';
import type { LoggedTxn, StatPersisted } from '../../src/node/proto/types.js';
import { snapshotFileName } from '../../src/node/storage/file-names.js';
import { encodeSnapshot } from '../../src/node/storage/snapshot-format.js';
import { loadTxnCodec } from '../../src/node/storage/txn-codec-loader.js';
import { encodeLogHeader, frameEntries } from '../../src/node/storage/txn-log-format.js';
import { apacheJars } from '../support/apache-zk.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zkts-tools-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) },
    out,
    err,
  };
}

function apache(cls: string, ...args: string[]): string {
  return execFileSync('java', ['-cp', apacheJars.join(':'), cls, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

const z: StatPersisted = {
  czxid: 0n,
  mzxid: 0n,
  ctime: 0,
  mtime: 0,
  version: 0,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  pzxid: 0n,
};
const sid = 0x0100017f3a2b0000n;
const open = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

describe('snapshot dump', () => {
  it('prints the same node blocks as Apache SnapshotFormatter for a snapshot we wrote', async () => {
    const nodes = [
      { path: '', data: Buffer.alloc(0), aclIndex: -1n, stat: { ...z, cversion: 2, pzxid: 6n } },
      { path: '/zookeeper', data: Buffer.alloc(0), aclIndex: -1n, stat: z },
      {
        path: '/zookeeper/config',
        data: Buffer.alloc(0),
        aclIndex: 1n,
        stat: { ...z, aversion: -1 },
      },
      { path: '/zookeeper/quota', data: Buffer.alloc(0), aclIndex: -1n, stat: z },
      {
        path: '/a',
        data: Buffer.from('hello'),
        aclIndex: 2n,
        stat: {
          ...z,
          czxid: 5n,
          mzxid: 6n,
          ctime: 1700000000000,
          mtime: 1700000000001,
          version: 2,
          cversion: 1,
          pzxid: 7n,
        },
      },
      {
        path: '/a/e',
        data: null,
        aclIndex: 2n,
        stat: { ...z, czxid: 7n, mzxid: 7n, ephemeralOwner: sid },
      },
    ];
    const image = encodeSnapshot(
      {
        sessions: new Map([[sid, 30000]]),
        acls: new Map([
          [1n, [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }]],
          [2n, open],
        ]),
        nodes,
      },
      { zxidDigest: null, lastProcessedZxid: 7n },
    );
    const file = join(dir, snapshotFileName(7n));
    await writeFile(file, image);
    const c = capture();
    expect(await runSnapshotDump([file], c.io)).toBe(0);
    const ours = c.out.join('');
    const theirs = apache('org.apache.zookeeper.server.SnapshotFormatter', file);
    const blocks = (s: string) =>
      s
        .split('----\n')
        .filter((b) => b.startsWith('/'))
        .sort();
    expect(blocks(ours)).toEqual(blocks(theirs));
    expect(blocks(ours).length).toBe(6);
    expect(ours).toContain(
      'Session Details (sid, timeout, ephemeralCount):\n0x100017f3a2b0000, 30000, 1\n',
    );
    expect(theirs).toContain('0x100017f3a2b0000, 30000, 1');
    const j = capture();
    expect(await runSnapshotDump([file, '--json'], j.io)).toBe(0);
    const parsed = JSON.parse(j.out.join('')) as { nodes: { path: string; data: string | null }[] };
    expect(parsed.nodes.map((n) => n.path)).toEqual([
      '/',
      '/zookeeper',
      '/zookeeper/config',
      '/zookeeper/quota',
      '/a',
      '/a/e',
    ]);
    expect(parsed.nodes[4]!.data).toBe(Buffer.from('hello').toString('base64'));
  });
});

describe('txnlog dump and truncate', () => {
  const txns: LoggedTxn[] = [
    {
      header: { clientId: sid, cxid: 0, zxid: 1n, time: 1700000000000, type: OpCode.createSession },
      txn: { type: OpCode.createSession, timeOutMs: 30000 },
      digest: { version: 2, treeDigest: 1371985504n },
    },
    {
      header: { clientId: sid, cxid: 1, zxid: 2n, time: 1700000000001, type: OpCode.create },
      txn: {
        type: OpCode.create,
        path: '/a',
        data: Buffer.from('x'),
        acl: open,
        ephemeral: false,
        parentCVersion: 1,
      },
    },
    {
      header: { clientId: sid, cxid: 2, zxid: 3n, time: 1700000000002, type: OpCode.setData },
      txn: { type: OpCode.setData, path: '/a', data: Buffer.from('yy'), version: 1 },
    },
    {
      header: { clientId: sid, cxid: 3, zxid: 4n, time: 1700000000003, type: OpCode.error },
      txn: { type: OpCode.error, err: -101 },
    },
    {
      header: { clientId: sid, cxid: 4, zxid: 5n, time: 1700000000004, type: OpCode.delete },
      txn: { type: OpCode.delete, path: '/a' },
    },
  ];

  it('prints one line per txn like TxnLogToolkit, which reads our file too', async () => {
    const codec = await loadTxnCodec();
    const file = join(dir, 'log.1');
    await writeFile(
      file,
      Buffer.concat([encodeLogHeader(), frameEntries(txns.map(codec.encode)), Buffer.alloc(4096)]),
    );
    const c = capture();
    expect(await runTxnlogDump([file], c.io)).toBe(0);
    const ours = c.out.join('');
    // Apache's jute CSV puts a newline inside ACL vectors; ours keeps one txn per line.
    const theirs = apache(
      'org.apache.zookeeper.server.persistence.TxnLogToolkit',
      '-d',
      file,
    ).replace(/\n\]/g, ']');
    expect(ours.split('\n').slice(0, 6)).toEqual(theirs.split('\n').slice(0, 6));
    expect(ours).toContain('EOF reached after 5 txns.');
    expect(theirs).toContain('EOF reached after 5 txns.');
    const j = capture();
    expect(await runTxnlogDump([file, '--json'], j.io)).toBe(0);
    const parsed = JSON.parse(j.out.join('')) as {
      entries: { zxid: string; type: string }[];
      end: { kind: string };
    };
    expect(parsed.entries.map((e) => e.type)).toEqual([
      'createSession',
      'create',
      'setData',
      'error',
      'delete',
    ]);
    expect(parsed.end.kind).toBe('clean');
  });

  it('reports corruption with the offset, and truncate --offset keeps the entries before it', async () => {
    const codec = await loadTxnCodec();
    const payloads = txns.map(codec.encode);
    const file = join(dir, 'log.corrupt');
    const image = Buffer.concat([encodeLogHeader(), frameEntries(payloads)]);
    const third = 16 + payloads[0]!.length + 13 + payloads[1]!.length + 13;
    image[third + 14]! ^= 0xff;
    await writeFile(file, image);
    const c = capture();
    expect(await runTxnlogDump([file], c.io)).toBe(1);
    expect(c.out.join('')).toContain(`CORRUPTION at offset ${third}`);
    const bad = capture();
    expect(await runTxnlogTruncate([file, '--offset', String(third + 1)], bad.io)).toBe(1);
    const t = capture();
    expect(await runTxnlogTruncate([file, '--offset', String(third)], t.io)).toBe(0);
    expect(t.out.join('')).toContain('kept 2 whole entries');
    const d = capture();
    expect(await runTxnlogDump([file], d.io)).toBe(0);
    expect(d.out.join('')).toContain('EOF reached after 2 txns.');
  });

  it('truncate --zxid keeps entries up to that zxid', async () => {
    const codec = await loadTxnCodec();
    const file = join(dir, 'log.z');
    await writeFile(file, Buffer.concat([encodeLogHeader(), frameEntries(txns.map(codec.encode))]));
    const t = capture();
    expect(await runTxnlogTruncate([file, '--zxid', '0x3'], t.io)).toBe(0);
    const d = capture();
    await runTxnlogDump([file], d.io);
    expect(d.out.join('')).toContain('EOF reached after 3 txns.');
  });
});

describe('cleanup', () => {
  it('keeps the newest N snapshots and the logs needed after them', async () => {
    const data = join(dir, 'cleanup');
    const v2 = join(data, 'version-2');
    execFileSync('mkdir', ['-p', v2]);
    const snap = encodeSnapshot(
      {
        sessions: new Map(),
        acls: new Map(),
        nodes: [{ path: '', data: null, aclIndex: -1n, stat: z }],
      },
      { zxidDigest: null, lastProcessedZxid: 0n },
    );
    for (const zx of [0n, 0x10n, 0x20n, 0x30n])
      await writeFile(join(v2, snapshotFileName(zx)), snap);
    await writeFile(join(v2, 'snapshot.40'), Buffer.from('torn')); // fails the tail check: not counted
    for (const l of ['log.1', 'log.5', 'log.f', 'log.15'])
      await writeFile(join(v2, l), encodeLogHeader());
    const cfg = join(dir, 'zoo.cfg');
    await writeFile(cfg, `tickTime=2000\ndataDir=${data}\n`);
    const c = capture();
    expect(await runCleanup(['-n', '3', '--config', cfg], c.io)).toBe(0);
    expect((await readdir(v2)).sort()).toEqual([
      'log.15',
      'log.f',
      'snapshot.10',
      'snapshot.20',
      'snapshot.30',
      'snapshot.40',
    ]);
    expect(c.out.join('')).toContain(`Removing file: ${join(v2, 'snapshot.0')}`);
    expect(c.out.join('')).toContain(`Removing file: ${join(v2, 'log.5')}`);
    const bad = capture();
    expect(await runCleanup(['-n', '2', data], bad.io)).toBe(2);
  });
});
