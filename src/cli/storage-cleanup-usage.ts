/** Help text of `zkts cleanup`. */

export const cleanupUsage = `Usage: zkts cleanup [-n <count>] [--config <zoo.cfg>]
       zkts cleanup [-n <count>] <dataDir> [<dataLogDir>]

Deletes old snapshots and txn logs like zkCleanup.sh: keeps the newest <count> valid
snapshots (default 3, at least 3) and the txn logs needed to replay after the oldest
of them. Directories come from zoo.cfg (dataDir, dataLogDir) or the arguments.
`;
