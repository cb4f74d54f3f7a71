/**
 * Fuzzy snapshots: a snapshot of a large tree is written while txns keep being logged and
 * applied (the writer yields between chunks); restore = snapshot + replay of the log after
 * its name zxid gives exactly the final tree. Also the .gz variant.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LoggedTxn, StatPersisted } from '../../src/node/proto/types.js';
import type { RecoveryTarget } from '../../src/node/storage/recovery.js';
import type { DecodedSnapshot } from '../../src/node/storage/snapshot-format.js';
import { readSnapshotFile } from '../../src/node/storage/snapshot-file.js';
import type { SnapshotData, SnapshotNode } from '../../src/node/storage/snapshot-types.js';
import { openStorage, type SnapshotSource } from '../../src/node/storage/storage.js';
import { setDataTxn, testCodec } from './test-codec.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const stat0: StatPersisted = {
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

class Tree implements RecoveryTarget, SnapshotSource {
  nodes = new Map<string, SnapshotNode>([
    ['', { path: '', data: null, aclIndex: -1n, stat: stat0 }],
  ]);
  last = 0n;
  loadSnapshot(s: DecodedSnapshot, zxid: bigint): void {
    this.nodes = new Map(s.nodes.map((n) => [n.path, n]));
    this.last = zxid;
  }
  apply(t: LoggedTxn): void {
    if (t.txn.type !== 5) throw new Error('setData only');
    const { path, data, version } = t.txn;
    // Replace the node object: a node already written to the snapshot keeps its old bytes.
    this.nodes.set(path, {
      path,
      data,
      aclIndex: -1n,
      stat: { ...stat0, mzxid: t.header.zxid, version },
    });
    if (t.header.zxid > this.last) this.last = t.header.zxid;
  }
  lastProcessedZxid(): bigint {
    return this.last;
  }
  exportSnapshot(): SnapshotData {
    return { sessions: new Map(), acls: new Map(), nodes: this.nodes.values() };
  }
}

describe('fuzzy snapshot', () => {
  for (const compression of [null, 'gz'] as const) {
    it(`is written while writes continue and restores exactly (${compression ?? 'plain'})`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'zkts-fuzzy-'));
      dirs.push(dataDir);
      const s = await openStorage({
        dataDir,
        codec: testCodec,
        preAllocBytes: 1 << 20,
        snapCount: 1_000_000,
        snapshotCompression: compression,
        // Fuzziness is what is tested, not durability: without an fsync per round of writes,
        // many rounds land while the snapshot is written even on a slow, busy disk.
        forceSync: false,
      });
      const tree = new Tree();
      await s.recover(tree);
      let zxid = 0n;
      const write = async (path: string, v: number) => {
        const t = setDataTxn(++zxid, path, Buffer.from(`value ${v} of ${path}`), v);
        await s.append(t);
        tree.apply(t);
      };
      // A tree large enough that the snapshot takes many chunks.
      await Promise.all(Array.from({ length: 20_000 }, (_, i) => write(`/n${i}`, 0)));
      const snap = s.takeSnapshot(tree);
      let during = 0;
      let done = false;
      void snap.then(() => (done = true));
      // Keep writing (nodes early and late in the walk) until the snapshot is finished.
      while (!done) {
        await Promise.all(
          Array.from({ length: 50 }, (_, k) =>
            write(`/n${(during * 50 + k * 397) % 20_000}`, during + 1),
          ),
        );
        during++;
      }
      const file = await snap;
      expect(during).toBeGreaterThan(1);
      expect(file.endsWith(compression === 'gz' ? '.gz' : '')).toBe(true);
      expect((await readSnapshotFile(file)).nodes.length).toBe(20_001);
      for (let i = 0; i < 100; i++) await write(`/n${i}`, 1000);
      await s.close();
      expect((await readdir(s.snapDir)).filter((n) => n.startsWith('log.')).length).toBe(2);

      const s2 = await openStorage({ dataDir, codec: testCodec });
      const t2 = new Tree();
      const r = await s2.recover(t2);
      await s2.close();
      expect(r.snapshotFile).toBe(file);
      expect(r.lastZxid).toBe(zxid);
      expect(t2.nodes.size).toBe(tree.nodes.size);
      for (const [p, n] of tree.nodes) expect(t2.nodes.get(p), p).toEqual(n);
    });
  }
});
