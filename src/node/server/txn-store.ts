/**
 * The durable TxnStore of a standalone server: Apache-format txn log and snapshots in
 * dataDir/dataLogDir (src/node/storage), recovered into a DataTree at start.
 */
import type { Logger } from 'pino';
import { DataTree } from '../tree/data-tree.js';
import { openStorage, type SnapshotSource, type Storage } from '../storage/storage.js';
import { startAutoPurge } from '../storage/purge.js';
import type { DiskFaultError } from '../storage/errors.js';
import { reportDiskFault } from '../../metrics/disk-fault.js';
import type { ZkConfig } from './config.js';
import type { TxnStore } from './server.js';
import type { ServerStatsRecorder } from './stats.js';

const diskProbeIntervalMs = 1000;

function snapshotSource(tree: DataTree): SnapshotSource {
  return {
    lastProcessedZxid: () => tree.lastProcessedZxid,
    exportSnapshot: () => tree.exportSnapshot(),
    zxidDigest: () => ({ zxid: tree.lastProcessedZxid, digestVersion: 2, digest: tree.digest() }),
  };
}

export async function openTxnStore(config: ZkConfig, log: Logger): Promise<TxnStore> {
  if (!config.forceSync)
    log.warn('forceSync=no: acknowledged writes may be lost if the machine crashes');
  // After a disk fault the log refuses writes (reads go on); probe the disk until it takes
  // writes again, so the server resumes by itself when space returns.
  let probe: NodeJS.Timeout | undefined;
  const faultKey = {};
  const startProbing = (err: DiskFaultError): void => {
    if (probe) return;
    log.error(
      { code: err.code, file: err.file },
      'disk fault: refusing writes until the disk takes them again',
    );
    probe = setInterval(() => {
      storage.retry().then(
        (ok) => {
          if (!ok || !probe) return;
          clearInterval(probe);
          probe = undefined;
          log.info('disk writable again: accepting writes');
        },
        (e: unknown) => log.warn({ err: String(e) }, 'disk probe failed'),
      );
    }, diskProbeIntervalMs);
    probe.unref();
  };
  let stats: ServerStatsRecorder | undefined;
  const storage: Storage = await openStorage({
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    snapCount: config.snapCount,
    preAllocBytes: config.preAllocSizeBytes,
    forceSync: config.forceSync,
    logger: log,
    // Apache's SyncRequestProcessor figures, as an ensemble member reports them.
    onFsync: (ms, txns) => {
      stats?.observe('fsynctime', ms);
      stats?.observe('sync_processor_batch_size', txns);
    },
    // The fault hook, not a catch on every append: one promise per txn less on the write path.
    onFault: (err) => {
      reportDiskFault(faultKey, err !== null);
      if (err) startProbing(err);
    },
  });
  const stopAutoPurge = startAutoPurge(
    storage.snapDir,
    storage.logDir,
    config.autopurge.snapRetainCount,
    config.autopurge.purgeIntervalHours,
    log,
  );
  let lastSnapshot: { zxid: bigint; timestampSeconds: number } | undefined;
  return {
    attachStats: (s) => {
      stats = s;
    },
    recover: async () => {
      let tree = new DataTree();
      const result = await storage.recover({
        loadSnapshot: (s) => {
          tree = DataTree.fromSnapshot(s);
        },
        apply: (t) => {
          tree.apply(t);
        },
      });
      for (const cut of result.truncated) log.warn(cut, 'txn log had a torn tail; truncated it');
      if (result.needsSnapshot) await storage.takeSnapshot(snapshotSource(tree));
      lastSnapshot = {
        zxid: result.snapshotZxid ?? result.lastZxid,
        timestampSeconds: Math.floor(Date.now() / 1000),
      };
      log.info(
        {
          zxid: `0x${result.lastZxid.toString(16)}`,
          snapshot: result.snapshotFile,
          replayed: result.txnsReplayed,
        },
        'data restored',
      );
      return tree;
    },
    append: (t) => storage.append(t),
    applied: (tree) => {
      if (storage.maybeSnapshot(snapshotSource(tree))) {
        lastSnapshot = {
          zxid: tree.lastProcessedZxid,
          timestampSeconds: Math.floor(Date.now() / 1000),
        };
      }
    },
    lastSnapshot: () => lastSnapshot,
    close: async () => {
      if (probe) clearInterval(probe);
      reportDiskFault(faultKey, false);
      stopAutoPurge();
      await storage.close();
    },
  };
}
