/**
 * The txn log writer (persistence.md §2): group commit into `log.<zxid>` files.
 * Appends are framed straight into the buffer of the batch being filled; every batch waiting
 * when a flush starts goes into one durable write (O_DSYNC). All txns of a batch share one
 * promise, which resolves only after the durable write that covers them, so nothing is
 * acknowledged before it is durable. On a disk fault the batch is cut off again (the file ends at the
 * last good entry), every waiting append rejects with DiskFaultError, and the log stays
 * failed until retry() finds the disk writable again.
 */
import { constants } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deferred } from '../../shared/deferred.js';
import { limits } from '../../shared/limits.js';
import { JuteWriter } from '../proto/jute.js';
import { DiskFaultError } from './errors.js';
import { errnoCode, fsyncDir, writeFully } from './fs-util.js';
import { logFileName } from './file-names.js';
import type { StorageLogger } from './logger.js';
import { appendEntry, encodeLogHeader, scanLog, TXNLOG_HEADER_BYTES } from './txn-log-format.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_DSYNC } = constants;

export interface TxnLogOptions {
  /** The version-2 directory the log files live in. */
  dir: string;
  /** Sparse preallocation step in bytes (zookeeper.preAllocSize); 0 disables it. */
  preAllocBytes: number;
  /** false = zookeeper.forceSync=no: writes are acknowledged without fsync. */
  forceSync: boolean;
  logger: StorageLogger;
  maxTxnsPerFsync?: number;
  /** Called after every fsync, for metrics (fsync time histogram, batch sizes). */
  onFsync?: (durationMs: number, txns: number) => void;
  /** Called when the log enters or leaves the failed state. */
  onFault?: (err: DiskFaultError | null) => void;
}

export interface TxnLogStats {
  fsyncCount: number;
  txnsWritten: number;
  batches: number;
  fsyncTimeTotalMs: number;
  fsyncTimeMaxMs: number;
  lastFsyncMs: number;
  /** txnsWritten / batches. */
  txnsPerFsync: number;
  diskFaults: number;
  /** Non-null while writes are refused. */
  failure: string | null;
  currentFile: string | null;
  txnsInCurrentFile: number;
  bytesInCurrentFile: number;
}

/** Txns framed back to back, written by one durable write. */
interface Batch {
  out: JuteWriter;
  txns: number;
  firstZxid: bigint;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A batch stops taking txns at this size (the next starts); one write stays bounded. */
const maxBatchBytes = 16 * 1024 * 1024;
/** Batch buffers up to this size are kept for reuse, so steady load allocates none. */
const maxSpareBytes = 8 * 1024 * 1024;
const initialBatchBytes = 64 * 1024;

const writeRaw = (w: JuteWriter, payload: Uint8Array): void => {
  w.raw(payload);
};

export class TxnLog {
  private fh: FileHandle | null = null;
  private fileName: string | null = null;
  /** End of the last durable entry in the current file. */
  private pos = 0;
  private fileSize = 0;
  /** Batches not yet handed to the disk, oldest first; the last one is being filled. */
  private queue: Batch[] = [];
  private spare: JuteWriter[] = [];
  /** Size of the entry the last append framed (payload + 13 bytes). */
  lastEntryBytes = 0;
  private flushing: Promise<void> | null = null;
  private rollRequested = false;
  private failed: DiskFaultError | null = null;
  private closed = false;
  private readonly maxBatch: number;
  private readonly counters = {
    fsyncCount: 0,
    txnsWritten: 0,
    batches: 0,
    fsyncTimeTotalMs: 0,
    fsyncTimeMaxMs: 0,
    lastFsyncMs: 0,
    diskFaults: 0,
    txnsInCurrentFile: 0,
  };

  constructor(private readonly opts: TxnLogOptions) {
    this.maxBatch = opts.maxTxnsPerFsync ?? limits.maxTxnsPerFsync;
    if (!opts.forceSync)
      opts.logger.warn(
        { forceSync: false },
        'forceSync=no: txns are acknowledged before they reach the disk; a crash or power loss can lose acknowledged writes',
      );
  }

  /** Resolves once the txn's bytes are written and (with forceSync) fsynced. */
  append(zxid: bigint, payload: Uint8Array): Promise<void> {
    return this.appendWith(zxid, writeRaw, payload);
  }

  /**
   * As append, with the payload written by write(w, arg) straight into the batch buffer. A
   * throw from write leaves the log unchanged and is thrown to the caller.
   */
  appendWith<T>(zxid: bigint, write: (w: JuteWriter, arg: T) => void, arg: T): Promise<void> {
    if (this.closed) return Promise.reject(new Error('txn log is closed'));
    if (this.failed) return Promise.reject(this.failed);
    let b = this.queue[this.queue.length - 1];
    if (!b || b.txns >= this.maxBatch || b.out.length >= maxBatchBytes) {
      b = this.newBatch();
      this.queue.push(b);
    }
    this.lastEntryBytes = appendEntry(b.out, write, arg);
    if (b.txns === 0) b.firstZxid = zxid;
    b.txns++;
    if (!this.flushing) this.flushing = this.flushLoop();
    return b.done;
  }

  private newBatch(): Batch {
    // Quiet: a batch whose only append threw has no caller to see its rejection.
    const { promise, resolve, reject } = deferred(true);
    const out = this.spare.pop() ?? new JuteWriter(initialBatchBytes);
    return { out, txns: 0, firstZxid: 0n, done: promise, resolve, reject };
  }

  private recycle(out: JuteWriter): void {
    if (out.capacity <= maxSpareBytes && this.spare.length < 2) this.spare.push(out.truncate(0));
  }

  /** The next append starts a new file (after a snapshot trigger). */
  roll(): void {
    this.rollRequested = true;
  }

  get isFailed(): boolean {
    return this.failed !== null;
  }

  get stats(): TxnLogStats {
    const c = this.counters;
    return {
      ...c,
      txnsPerFsync: c.batches === 0 ? 0 : c.txnsWritten / c.batches,
      failure: this.failed?.message ?? null,
      currentFile: this.fileName,
      bytesInCurrentFile: this.pos,
    };
  }

  /** Waits until everything appended so far is durable (or rejected). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    // Let every append made in this turn of the event loop join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.queue.length > 0 && !this.failed) {
        const batch = this.queue.shift()!;
        if (batch.txns === 0) {
          this.recycle(batch.out);
          batch.resolve();
          continue;
        }
        await this.writeBatch(batch);
      }
    } finally {
      this.flushing = null;
    }
  }

  private async writeBatch(batch: Batch): Promise<void> {
    let stage = 'open';
    try {
      if (this.rollRequested || !this.fh) {
        await this.closeFile();
        this.rollRequested = false;
        await this.openFile(batch.firstZxid);
      }
      const bytes = batch.out.view();
      stage = 'preallocate';
      await this.preallocate(this.pos + bytes.length);
      // With forceSync the file is open with O_DSYNC: the write returns once the bytes (and the
      // size, for a preallocated extension) are on disk, as write + fdatasync would, in one
      // thread-pool job instead of two with a main-thread hop between them.
      stage = this.opts.forceSync ? 'write (O_DSYNC)' : 'write';
      const t0 = performance.now();
      await writeFully(this.fh!, bytes, this.pos);
      if (this.opts.forceSync) this.recordFsync(performance.now() - t0, batch.txns);
      this.pos += bytes.length;
      this.counters.txnsWritten += batch.txns;
      this.counters.batches += 1;
      this.counters.txnsInCurrentFile += batch.txns;
      this.recycle(batch.out);
      // Acknowledge in a later turn, so the loop hands the next batch to the disk first and
      // applying and replying to this one overlaps the next write and fsync.
      setImmediate(batch.resolve);
    } catch (err) {
      await this.fail(err, stage, batch);
    }
  }

  private recordFsync(ms: number, txns: number): void {
    const c = this.counters;
    c.fsyncCount += 1;
    c.fsyncTimeTotalMs += ms;
    c.lastFsyncMs = ms;
    if (ms > c.fsyncTimeMaxMs) c.fsyncTimeMaxMs = ms;
    this.opts.onFsync?.(ms, txns);
  }

  private syncFlag(): number {
    return this.opts.forceSync ? O_DSYNC : 0;
  }

  private async openFile(firstZxid: bigint): Promise<void> {
    const name = logFileName(firstZxid);
    const path = join(this.opts.dir, name);
    // 'wx': a log file is never appended to after it was closed (Apache starts a new one).
    // The one exception is a file holding no whole entry (a crash right after creating it):
    // its name is the zxid about to be written again, and nothing in it was acknowledged.
    let fh: FileHandle;
    try {
      fh = await open(path, O_WRONLY | O_CREAT | O_EXCL | this.syncFlag());
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const existing = scanLog(await readFile(path), Number.MAX_SAFE_INTEGER);
      if (existing.entries.length > 0) throw err;
      fh = await open(path, O_WRONLY | O_CREAT | O_TRUNC | this.syncFlag());
    }
    this.fh = fh;
    this.fileName = path;
    // Until the header is durable, a fault cuts this file back to nothing.
    this.pos = 0;
    this.fileSize = 0;
    await writeFully(fh, encodeLogHeader(), 0);
    this.pos = TXNLOG_HEADER_BYTES;
    this.fileSize = TXNLOG_HEADER_BYTES;
    this.counters.txnsInCurrentFile = 0;
    await fh.sync();
    await fsyncDir(this.opts.dir);
  }

  /** Extends the file sparsely ahead of the write position, as FilePadding does. */
  private async preallocate(needEnd: number): Promise<void> {
    const step = this.opts.preAllocBytes;
    if (step <= 0) return;
    let size = this.fileSize;
    while (needEnd + 4096 >= size) size += step;
    if (size === this.fileSize) return;
    await writeFully(this.fh!, Buffer.alloc(1), size - 1);
    this.fileSize = size;
  }

  private async closeFile(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    this.fileName = null;
    if (fh) await fh.close();
  }

  private async fail(err: unknown, stage: string, batch: Batch): Promise<void> {
    const code = errnoCode(err);
    const file = this.fileName ?? this.opts.dir;
    this.counters.diskFaults += 1;
    // Cut the partial batch off so the file ends at the last acknowledged entry; truncating
    // frees blocks, so it works on a full disk too.
    let cut = 'no file open';
    if (this.fh) {
      try {
        await this.fh.truncate(this.pos);
        await this.fh.datasync();
        this.fileSize = this.pos;
        cut = `truncated to ${this.pos} bytes`;
      } catch (e) {
        cut = `truncate to ${this.pos} failed: ${errnoCode(e)}`;
      }
    }
    const fault = new DiskFaultError(
      code,
      file,
      `txn log ${stage} failed with ${code} on ${file} (${cut}); writes are refused until the disk is writable again: ${
        err instanceof Error ? err.message : String(err)
      }`,
    );
    this.failed = fault;
    this.opts.logger.error({ code, file, stage, txns: batch.txns }, fault.message);
    for (const b of [batch, ...this.queue.splice(0)]) b.reject(fault);
    this.opts.onFault?.(fault);
  }

  /**
   * Probes the disk (writes and fsyncs a small file in the log dir); if that works the log
   * leaves the failed state and the next append starts a new file. Returns true when writable.
   */
  async retry(probeBytes = 64 * 1024): Promise<boolean> {
    if (!this.failed) return true;
    if (this.closed) return false;
    const probe = join(this.opts.dir, '.zkts-probe');
    try {
      const fh = await open(probe, 'w');
      try {
        await writeFully(fh, Buffer.alloc(probeBytes, 1), 0);
        await fh.datasync();
      } finally {
        await fh.close();
        await unlink(probe).catch(() => undefined);
      }
    } catch (err) {
      this.opts.logger.warn({ code: errnoCode(err) }, 'txn log disk still not writable');
      return false;
    }
    try {
      await this.closeFile();
    } catch {
      // The old handle may be unusable after EIO; its contents were already cut back.
    }
    this.rollRequested = true;
    this.failed = null;
    this.opts.logger.info({}, 'txn log disk writable again; resuming writes in a new log file');
    this.opts.onFault?.(null);
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
    await this.closeFile();
  }
}
