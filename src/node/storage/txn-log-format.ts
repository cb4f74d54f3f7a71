/**
 * Txn log framing (persistence.md §2): 16-byte header, then entries of
 * checksum(8, Adler32 of payload) + len(4) + payload + 'B'. Pure: bytes in, bytes out.
 */
import type { JuteWriter } from '../proto/jute.js';
import { adler32 } from './adler32.js';

export const TXNLOG_MAGIC = 0x5a4b4c47; // "ZKLG"
export const TXNLOG_VERSION = 2;
export const TXNLOG_HEADER_BYTES = 16;
export const ENTRY_OVERHEAD_BYTES = 8 + 4 + 1;
export const END_OF_RECORD = 0x42; // 'B'

export function encodeLogHeader(dbid = 0n): Buffer {
  const b = Buffer.alloc(TXNLOG_HEADER_BYTES);
  b.writeInt32BE(TXNLOG_MAGIC, 0);
  b.writeInt32BE(TXNLOG_VERSION, 4);
  b.writeBigInt64BE(dbid, 8);
  return b;
}

/** Writes one framed entry into out at offset; returns the offset after it. */
export function writeEntry(out: Buffer, offset: number, payload: Uint8Array): number {
  out.writeBigInt64BE(BigInt(adler32(payload)), offset);
  out.writeInt32BE(payload.length, offset + 8);
  out.set(payload, offset + 12);
  out[offset + 12 + payload.length] = END_OF_RECORD;
  return offset + ENTRY_OVERHEAD_BYTES + payload.length;
}

/**
 * Appends one framed entry to w, its payload written in place by write(w, arg) (no Buffer per
 * txn); returns the entry's size. If write throws, w is left as it was.
 */
export function appendEntry<T>(
  w: JuteWriter,
  write: (w: JuteWriter, arg: T) => void,
  arg: T,
): number {
  const start = w.length;
  // checksum (a long holding the unsigned 32-bit Adler32) and length, filled in below
  w.int(0).int(0).int(0);
  try {
    write(w, arg);
  } catch (err) {
    w.truncate(start);
    throw err;
  }
  const end = w.length;
  w.setIntAt(start + 4, adler32(w.backing, start + 12, end));
  w.setIntAt(start + 8, end - start - 12);
  w.byte(END_OF_RECORD);
  return end + 1 - start;
}

/** All payloads framed back to back: what one group commit writes. */
export function frameEntries(payloads: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const p of payloads) size += ENTRY_OVERHEAD_BYTES + p.length;
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (const p of payloads) off = writeEntry(out, off, p);
  return out;
}

export interface ScannedEntry {
  /** Byte offset of the entry's checksum field in the file. */
  offset: number;
  payload: Buffer;
}

/**
 * Why a scan stopped:
 * - clean: zero padding (len 0) or the exact end of the file after a whole entry;
 * - torn: a partial last entry (EOF inside it, or a missing 'B'), what a crash mid-write leaves;
 * - corrupt: a checksum mismatch or an impossible length with more non-zero bytes after it;
 * - bad-header: the magic is wrong (or the file is shorter than a header).
 */
export type ScanEnd =
  | { kind: 'clean'; offset: number }
  | { kind: 'torn'; offset: number; reason: string }
  | { kind: 'corrupt'; offset: number; reason: string }
  | { kind: 'bad-header'; offset: number; reason: string };

export interface ScanResult {
  entries: ScannedEntry[];
  end: ScanEnd;
}

const ZEROS = Buffer.alloc(64 * 1024);

/**
 * Whether buf[from..] is all zeros. The preallocated tail of a log is up to 64 MiB of them;
 * compared natively (memcmp) in blocks, not a byte at a time in JS, which was 8 % of a
 * restart with a million znodes.
 */
export function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i += ZEROS.length) {
    const end = Math.min(buf.length, i + ZEROS.length);
    if (ZEROS.compare(buf, i, end, 0, end - i) !== 0) return false;
  }
  return true;
}

/**
 * Reads every whole entry of a log file image. Follows Apache's reader (len 0 = end,
 * missing 'B' or EOF = end of file) but is stricter in one way Apache is not: a bad
 * entry followed by non-zero bytes is reported as corruption, never silently treated as
 * the end, because acknowledged entries may sit behind it.
 */
export function scanLog(buf: Buffer, maxPayloadBytes: number): ScanResult {
  const entries: ScannedEntry[] = [];
  if (buf.length < TXNLOG_HEADER_BYTES) {
    // A crash while the header was being written leaves a prefix of it (or zeros).
    const header = encodeLogHeader();
    const prefix = buf.every((b, i) => b === header[i]);
    const reason = `file shorter than its ${TXNLOG_HEADER_BYTES}-byte header`;
    return {
      entries,
      end:
        prefix || allZero(buf, 0)
          ? { kind: 'torn', offset: 0, reason }
          : { kind: 'bad-header', offset: 0, reason },
    };
  }
  const magic = buf.readInt32BE(0);
  if (magic !== TXNLOG_MAGIC)
    return {
      entries,
      end: {
        kind: 'bad-header',
        offset: 0,
        reason: `bad magic 0x${(magic >>> 0).toString(16)} (expected 0x5a4b4c47 "ZKLG")`,
      },
    };
  let off = TXNLOG_HEADER_BYTES;
  for (;;) {
    if (off === buf.length) return { entries, end: { kind: 'clean', offset: off } };
    if (off + 12 > buf.length) {
      if (allZero(buf, off)) return { entries, end: { kind: 'clean', offset: off } };
      return {
        entries,
        end: { kind: 'torn', offset: off, reason: 'end of file inside an entry header' },
      };
    }
    const sum = buf.readBigInt64BE(off);
    const len = buf.readInt32BE(off + 8);
    if (len === 0 && sum === 0n) {
      // Zero padding ends the file, unless whole entries sit behind it (a hole in the log).
      return { entries, end: tailOrCorrupt(buf, off, 'zeroed entry', maxPayloadBytes, 'clean') };
    }
    if (len <= 0 || len > maxPayloadBytes) {
      return {
        entries,
        end: tailOrCorrupt(buf, off, `unreasonable entry length ${len}`, maxPayloadBytes),
      };
    }
    const end = off + 12 + len;
    if (end + 1 > buf.length)
      return {
        entries,
        end: tailOrCorrupt(buf, off, 'end of file inside an entry', maxPayloadBytes),
      };
    const payload = buf.subarray(off + 12, end);
    if (BigInt(adler32(payload)) !== sum) {
      return {
        entries,
        end: tailOrCorrupt(buf, off, 'CRC check failed (Adler32 mismatch)', maxPayloadBytes),
      };
    }
    if (buf[end] !== END_OF_RECORD) {
      return {
        entries,
        end: tailOrCorrupt(buf, off, "missing end-of-record byte 'B'", maxPayloadBytes),
      };
    }
    entries.push({ offset: off, payload });
    off = end + 1;
  }
}

/**
 * A bad entry is a torn tail when no whole, checksummed entry follows it anywhere in the
 * file: a crash mid-write leaves only the unfinished batch behind the last good entry.
 * If a whole entry does follow, acknowledged txns sit behind the damage: corruption.
 */
function tailOrCorrupt(
  buf: Buffer,
  off: number,
  reason: string,
  maxPayloadBytes: number,
  tailKind: 'torn' | 'clean' = 'torn',
): ScanEnd {
  // Fast path for the usual case: nothing but preallocated zeros behind the end.
  const next = allZero(buf, off + 1) ? -1 : findWholeEntry(buf, off + 1, maxPayloadBytes);
  if (next < 0)
    return tailKind === 'clean'
      ? { kind: 'clean', offset: off }
      : { kind: 'torn', offset: off, reason };
  return {
    kind: 'corrupt',
    offset: off,
    reason: `${reason} (a whole entry follows at offset ${next})`,
  };
}

/** Offset of the first well-formed entry at or after from, or -1. */
export function findWholeEntry(buf: Buffer, from: number, maxPayloadBytes: number): number {
  for (let p = from; p + 13 < buf.length; p++) {
    // Checksums are 32-bit values in a long: the high four bytes are zero.
    if (buf[p] !== 0 || buf[p + 1] !== 0 || buf[p + 2] !== 0 || buf[p + 3] !== 0) continue;
    const len = buf.readInt32BE(p + 8);
    if (len <= 0 || len > maxPayloadBytes) continue;
    const end = p + 12 + len;
    if (end >= buf.length || buf[end] !== END_OF_RECORD) continue;
    if (adler32(buf, p + 12, end) === buf.readUInt32BE(p + 4)) return p;
  }
  return -1;
}
