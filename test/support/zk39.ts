/**
 * Where Apache ZooKeeper 3.9 — the behaviour zkts follows (../shared/spec, read from 3.9's
 * sources) — differs from Apache ZooKeeper 3.8, the release Debian ships and the compat
 * suites compare against. Each suite that meets one of these names it from here, so the list
 * of deliberate differences stays in one place.
 */
export const zk39Differences = {
  /**
   * 3.9's FinalRequestProcessor checks READ on exists when the node is there: a caller that
   * may not read it gets NoAuth (-102). 3.8 returns the Stat to anyone.
   */
  existsChecksRead: 'exists on an unreadable node answers NoAuth',
  /**
   * 3.9 puts the zxid of the txn that fired a watch in the notification's reply header;
   * 3.8 always sends -1. Clients ignore it.
   */
  notificationZxid: 'notification header carries the firing txn zxid',
  /**
   * ZOOKEEPER-4466 (3.9.0): a one-shot watch added on a path where the same connection holds a
   * persistent watch no longer turns the persistent one into a one-shot watch.
   */
  persistentWatchSurvivesOneShot: 'a persistent watch survives a one-shot watch on its path',
} as const;

/** Whether the server under test follows 3.9 where 3.8 differs. */
export function follows39(kind: 'apache' | 'zkts'): boolean {
  return kind === 'zkts';
}
