/**
 * Reads the txn log files that recovery will replay ahead of their turn, so the thread pool
 * reads them (a preallocated log is 64 MiB) while the main thread loads the snapshot and
 * replays earlier files. At most `depth` files are held or in flight at once.
 */
import { readWholeFile } from './fs-util.js';

export class LogReadAhead {
  private readonly reads = new Map<string, Promise<Buffer>>();
  private next = 0;

  constructor(
    private readonly paths: readonly string[],
    private readonly depth: number,
  ) {
    this.fill();
  }

  /** The contents of `path`: read ahead when it was in the list, otherwise read now. */
  take(path: string): Promise<Buffer> {
    const read = this.reads.get(path);
    this.reads.delete(path);
    const i = this.paths.indexOf(path);
    if (i >= this.next) this.next = i + 1;
    this.fill();
    return read ?? readWholeFile(path);
  }

  /** Lets go of files read ahead and never taken (recovery fell back to an older snapshot). */
  drop(): void {
    this.reads.clear();
    this.next = this.paths.length;
  }

  private fill(): void {
    while (this.reads.size < this.depth && this.next < this.paths.length) {
      const path = this.paths[this.next++]!;
      const read = readWholeFile(path);
      // A failed read surfaces when the file is taken; until then it must not go unhandled.
      read.catch(() => undefined);
      this.reads.set(path, read);
    }
  }
}
