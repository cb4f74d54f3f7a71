/**
 * Reports each group commit once. Txns that joined a group commit share its promise, so a
 * role that persists per txn would otherwise await (and report) the same flush many times.
 */
export class GroupCommitReports {
  private last: Promise<bigint> | null = null;

  constructor(
    private readonly durable: (upTo: bigint) => void,
    private readonly failed: (err: Error) => void,
  ) {}

  watch(flush: Promise<bigint>): void {
    if (flush === this.last) return;
    this.last = flush;
    flush.then(this.durable, (err: unknown) =>
      this.failed(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
