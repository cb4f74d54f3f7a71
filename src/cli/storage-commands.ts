/** Dispatch-table entries for the storage tools; each module is loaded only when its command runs. */
import type { Command } from './main.js';
import { cleanupUsage } from './storage-cleanup-usage.js';
import { snapshotDumpUsage, txnlogDumpUsage, txnlogTruncateUsage } from './storage-usage.js';

export const storageCommands: Command[] = [
  {
    name: 'snapshot dump',
    summary: 'print the contents of a snapshot file (Apache format; --json)',
    help: snapshotDumpUsage,
    run: async (argv, io) => (await import('./storage-snapshot.js')).runSnapshotDump(argv, io),
  },
  {
    name: 'txnlog dump',
    summary: 'print the transactions in a txn log file (--json)',
    help: txnlogDumpUsage,
    run: async (argv, io) => (await import('./storage-txnlog.js')).runTxnlogDump(argv, io),
  },
  {
    name: 'txnlog truncate',
    summary: 'cut a txn log at a byte offset or after a zxid (repair after corruption)',
    help: txnlogTruncateUsage,
    run: async (argv, io) => (await import('./storage-txnlog.js')).runTxnlogTruncate(argv, io),
  },
  {
    name: 'cleanup',
    summary: 'delete old snapshots and txn logs, keeping the newest N (zkCleanup.sh)',
    help: cleanupUsage,
    run: async (argv, io) => (await import('./storage-cleanup.js')).runCleanup(argv, io),
  },
];
