/**
 * Storage benchmark (not a test): run with `npx vite-node bench/storage-bench.ts [--quick]`.
 * Prints JSON with:
 *  - write throughput of the zkts txn log (group commit, forceSync on, 1 KiB setData txns)
 *    at 8 and 64 concurrent writers, fsyncs/s and txns per fsync; and Apache ZooKeeper 3.8's
 *    end-to-end setData throughput with as many client sessions, on the same disk, same run.
 *    (The zkts end-to-end figure needs the server; this measures the storage layer alone.)
 *  - restart time for 1,000,000 znodes of 100 bytes from snapshot + log: zkts recovery
 *    (decode + replay into a map) vs Apache's start until it answers a client read.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OpCode } from '../src/node/proto/opcodes.js';
import type { LoggedTxn, StatPersisted } from '../src/node/proto/types.js';
import type { DecodedSnapshot } from '../src/node/storage/snapshot-format.js';
import type { SnapshotNode } from '../src/node/storage/snapshot-types.js';
import { openStorage } from '../src/node/storage/storage.js';
import { startApacheZk } from '../test/support/apache-zk.js';
import { call, connectClient, type NodeZkClient } from '../test/support/node-zk.js';

const quick = process.argv.includes('--quick');
const durationMs = quick ? 2000 : 8000;
const nodeCount = quick ? 100_000 : 1_000_000;
const logTxns = quick ? 10_000 : 50_000;
const results: Record<string, unknown> = { durationMs, nodeCount, logTxns };
const temp: string[] = [];

async function tempDir(name: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), `zkts-bench-${name}-`));
  temp.push(d);
  return d;
}

const stat = (zxid: bigint): StatPersisted => ({
  czxid: zxid,
  mzxid: zxid,
  ctime: 1_700_000_000_000,
  mtime: 1_700_000_000_000,
  version: 0,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  pzxid: zxid,
});

function setData(zxid: bigint, path: string, data: Buffer, version: number): LoggedTxn {
  return {
    header: { clientId: 0x100n, cxid: 1, zxid, time: Date.now(), type: OpCode.setData },
    txn: { type: OpCode.setData, path, data, version },
  };
}

async function zktsWrites(writers: number) {
  const dataDir = await tempDir('w');
  const s = await openStorage({ dataDir });
  await s.recover({ loadSnapshot() {}, apply() {} });
  let zxid = 0n;
  let txns = 0;
  const data = Buffer.alloc(1024, 7);
  const end = performance.now() + durationMs;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (performance.now() < end) {
        await s.append(setData(++zxid, `/w${w}`, data, txns));
        txns++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const st = s.stats;
  await s.close();
  return {
    txnsPerSec: Math.round(txns / secs),
    fsyncsPerSec: Math.round(st.fsyncCount / secs),
    txnsPerFsync: Number(st.txnsPerFsync.toFixed(1)),
    meanFsyncMs: Number((st.fsyncTimeTotalMs / Math.max(1, st.fsyncCount)).toFixed(2)),
  };
}

async function apacheWrites(writers: number) {
  const zk = await startApacheZk({ config: { maxClientCnxns: '0' } });
  try {
    const clients: NodeZkClient[] = [];
    for (let i = 0; i < writers; i++) clients.push(await connectClient(zk.connectString));
    const data = Buffer.alloc(1024, 7);
    await Promise.all(clients.map((c, i) => call((cb) => c.create(`/w${i}`, data, cb))));
    let txns = 0;
    const end = performance.now() + durationMs;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c, i) => {
        while (performance.now() < end) {
          await call((cb) => c.setData(`/w${i}`, data, -1, cb));
          txns++;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    for (const c of clients) c.close();
    return { txnsPerSec: Math.round(txns / secs) };
  } finally {
    await zk.stop();
  }
}

/** A dataDir with nodeCount znodes of 100 bytes in a snapshot plus logTxns setData txns after it. */
async function bigDataDir(): Promise<string> {
  const dataDir = await tempDir('big');
  const s = await openStorage({ dataDir, snapCount: 10_000_000 });
  await s.recover({ loadSnapshot() {}, apply() {} });
  const base = BigInt(nodeCount + 10);
  const rootStat = { ...stat(base), cversion: nodeCount };
  function* nodes(): Generator<SnapshotNode> {
    yield { path: '', data: Buffer.alloc(0), aclIndex: -1n, stat: rootStat };
    yield { path: '/zookeeper', data: Buffer.alloc(0), aclIndex: -1n, stat: stat(0n) };
    yield { path: '/zookeeper/quota', data: Buffer.alloc(0), aclIndex: -1n, stat: stat(0n) };
    const d = Buffer.alloc(100, 0x61);
    for (let i = 0; i < nodeCount; i++)
      yield { path: `/node${i}`, data: d, aclIndex: -1n, stat: stat(BigInt(i + 1)) };
  }
  await s.takeSnapshot({
    lastProcessedZxid: () => base,
    exportSnapshot: () => ({ sessions: new Map(), acls: new Map(), nodes: nodes() }),
  });
  const data = Buffer.alloc(100, 0x62);
  for (let i = 0; i < logTxns; i += 1000)
    await Promise.all(
      Array.from({ length: 1000 }, (_, k) =>
        s.append(setData(base + BigInt(i + k + 1), `/node${i + k}`, data, 1)),
      ),
    );
  await s.close();
  return dataDir;
}

async function zktsRestart(dataDir: string) {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const s = await openStorage({ dataDir });
  let tree = new Map<string, SnapshotNode>();
  const r = await s.recover({
    loadSnapshot(snap: DecodedSnapshot) {
      tree = new Map(snap.nodes.map((n) => [n.path, n]));
    },
    apply(t) {
      if (t.txn.type === OpCode.setData) {
        const n = tree.get(t.txn.path);
        if (n)
          tree.set(n.path, { ...n, data: t.txn.data, stat: { ...n.stat, version: t.txn.version } });
      }
    },
  });
  const ms = performance.now() - t0;
  await s.close();
  return {
    restartMs: Math.round(ms),
    nodes: tree.size,
    txnsReplayed: r.txnsReplayed,
    rssDeltaMiB: Math.round((process.memoryUsage().rss - rss0) / 2 ** 20),
    note: 'storage decode + replay into a plain Map (the real DataTree is measured at integration)',
  };
}

async function apacheRestart(dataDir: string) {
  const copy = await tempDir('apache-big');
  await cp(dataDir, copy, { recursive: true });
  const t0 = performance.now();
  const zk = await startApacheZk({ dataDir: copy, jvmFlags: ['-Xmx4g'] });
  try {
    const c = await connectClient(zk.connectString, {}, 120_000);
    await call((cb) => c.getData(`/node${nodeCount - 1}`, cb));
    const ms = performance.now() - t0;
    c.close();
    const status = await import('node:fs/promises').then((f) =>
      f.readFile(`/proc/${zk.pid}/status`, 'utf8'),
    );
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return {
      restartMs: Math.round(ms),
      rssMiB: rss ? Math.round(Number(rss[1]) / 1024) : null,
      note: 'JVM start + load + startup snapshot, until a client read answers',
    };
  } finally {
    await zk.stop();
  }
}

async function main() {
  try {
    for (const writers of [8, 64]) {
      results[`zkts_storage_writes_${writers}`] = await zktsWrites(writers);
      results[`apache_writes_${writers}`] = await apacheWrites(writers);
      console.error(`writers ${writers} done`);
    }
    const dir = await bigDataDir();
    console.error('big dataDir written');
    results.zkts_restart = await zktsRestart(dir);
    results.apache_restart = await apacheRestart(dir);
  } finally {
    for (const d of temp) await rm(d, { recursive: true, force: true });
  }
  console.log(JSON.stringify(results, null, 2));
}

await main();
