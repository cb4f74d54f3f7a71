/**
 * Every bound zkts enforces, named in one place. Values that zoo.cfg may override are
 * defaults here; the parsed config carries the value in force. Checked where data enters.
 */
export const limits = {
  /** jute.maxbuffer: largest frame accepted from a client or peer, in bytes (Apache default 0xfffff). */
  juteMaxBufferBytes: 0xfffff,
  /** Largest serialized ustring/buffer length a reader accepts beyond juteMaxBuffer (Apache: extrasize = maxbuffer). */
  juteExtraSizeMinBytes: 1024,
  /** maxClientCnxns: concurrent connections from one IP (0 = unlimited). */
  maxClientCnxnsPerIp: 60,
  /** Requests a connection may have outstanding before the server stops reading its socket. */
  maxOutstandingRequestsPerConnection: 1000,
  /** Total outstanding requests before the server throttles all connections (Apache globalOutstandingLimit). */
  globalOutstandingLimit: 1000,
  /** Txns grouped into one log write and one fsync at most. */
  maxTxnsPerFsync: 1000,
  /** Session timeout bounds as multiples of tickTime when zoo.cfg names none. */
  minSessionTimeoutTicks: 2,
  maxSessionTimeoutTicks: 20,
  /** Default tickTime when zoo.cfg names none (Apache's code default). */
  defaultTickTimeMs: 3000,
  /** A session password is always this long. */
  sessionPasswordBytes: 16,
  /** Java's SetWatches batching bound; we accept larger but never send larger. */
  setWatchesMaxPathChars: 128 * 1024,
  /** Max TTL for TTL nodes: 2^40 - 1 ms. */
  maxTtlMs: 0xff_ffff_ffff,
  /** Container reaper interval (Apache znode.container.checkIntervalMs default). */
  containerCheckIntervalMs: 60_000,
  /** snapCount: txns between snapshots (randomised by half, as Apache does). */
  snapCount: 100_000,
  /** Txn log preallocation step (zookeeper.preAllocSize, 64 MiB). */
  txnLogPreallocBytes: 64 * 1024 * 1024,
  /** Election port: largest address string in a connection-initiation header (QuorumCnxManager maxBuffer). */
  electionHeaderMaxAddressBytes: 2048,
  /** Election port: largest notification frame accepted (512 KiB). */
  electionMaxFrameBytes: 524_288,
  /**
   * FLE: first notification timeout (minNotificationInterval; doubles up to the cap below).
   * Apache's is 200 ms. A notification lost while election connections are re-made (the lower
   * sid's connection is dropped and the higher sid connects back) is only re-sent when it
   * expires, which put zkts failovers at ~150, ~350 or ~550 ms; 50 ms re-sends sooner. Timing
   * only: never safety.
   */
  electionMinNotificationIntervalMs: 50,
  /**
   * FLE: how long a quorum-backed vote waits for a better one before it is final. Apache's
   * finalizeWait is 200 ms; the wait only affects which eligible server wins, never safety, and
   * 100 ms still spans many round trips on a LAN or pod network. It is most of a failover.
   */
  electionFinalizeWaitMs: 100,
  /** FLE: notification backoff cap (maxNotificationInterval). */
  electionMaxNotificationIntervalMs: 60_000,
  /** Zab: committed proposals the leader keeps for DIFF sync (zookeeper.commitLogCount). */
  committedLogCount: 500,
} as const;
