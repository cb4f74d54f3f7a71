/** Help texts of the storage tools (kept apart so `zkts --help` loads no tool code). */

export const snapshotDumpUsage = `Usage: zkts snapshot dump <snapshot file> [--json] [--data]

Prints every znode in an Apache ZooKeeper format snapshot (snapshot.<zxid>, or .gz),
with its stat, then the sessions, like zkSnapShotToolkit.sh. --data adds each node's
data (base64); --json prints everything (nodes, ACL lists, sessions, digest) as JSON.
`;

export const txnlogDumpUsage = `Usage: zkts txnlog dump <log file> [--json]

Prints every transaction in an Apache ZooKeeper format txn log (log.<zxid>), one per
line like zkTxnLogToolkit.sh, then how the file ends (clean, a partial last entry, or
corruption at a byte offset). --json prints the entries and the ending as JSON.
`;

export const txnlogTruncateUsage = `Usage: zkts txnlog truncate <log file> [--offset <byte offset> | --zxid <zxid>]

Cuts a txn log file so it keeps only whole entries:
  --offset N  cut at byte offset N (the offset a corruption error names); the entries
              before it are kept, everything from N on is removed
  --zxid Z    keep the entries up to and including zxid Z (decimal or 0x hex)
  (neither)   cut at the first entry that is partial or fails its checksum
Stop the server first. Later log files, if any, are not touched.
`;
