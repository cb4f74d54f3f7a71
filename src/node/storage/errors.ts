/** Errors the storage layer raises; each says which file and what to do next. */

/** A log or snapshot that cannot be trusted: startup must stop rather than lose writes. */
export class StorageCorruptionError extends Error {
  override name = 'StorageCorruptionError';
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
    advice?: string,
  ) {
    super(
      `${file}: ${reason} at byte offset ${offset}. ` +
        (advice ??
          `Every entry before that offset is intact. To keep them and drop the rest of this file, ` +
            `run: zkts txnlog truncate ${file} --offset ${offset} (later log files, if any, must then be removed by hand).`),
    );
  }
}

/** The disk refused a write (ENOSPC, EIO, ...). Nothing from the failed batch was acknowledged. */
export class DiskFaultError extends Error {
  override name = 'DiskFaultError';
  constructor(
    readonly code: string,
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}
