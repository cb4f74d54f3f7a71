/**
 * Snapshot stream codec (persistence.md §3.2), pure. The encoder is a generator of chunks
 * so a writer can yield to the event loop between them while the tree keeps changing
 * (the fuzzy snapshot); the decoder checks structure, parents and every present seal.
 */
import { JuteReader, JuteWriter } from '../proto/jute.js';
import type { ACL, StatPersisted } from '../proto/types.js';
import { Adler32, adler32Update } from './adler32.js';
import type { RawSnapshotNodes } from '../tree/snapshot-data.js';
import type {
  NodeRecordWriter,
  SnapshotData,
  SnapshotNode,
  SnapshotTail,
  ZxidDigest,
} from './snapshot-types.js';

export const SNAP_MAGIC = 0x5a4b534e; // "ZKSN"
export const SNAP_VERSION = 2;
export const SNAP_DBID = -1n;
export const DIGEST_VERSION = 2;
/** Every complete snapshot ends with ustring "/". */
export const SNAP_TAIL = Buffer.from([0, 0, 0, 1, 0x2f]);

export function writeAcl(w: JuteWriter, a: ACL): void {
  w.int(a.perms).string(a.id.scheme).string(a.id.id);
}

export function readAcl(r: JuteReader): ACL {
  const perms = r.int();
  const scheme = r.stringOrEmpty();
  const id = r.stringOrEmpty();
  return { perms, id: { scheme, id } };
}

/** The writer of data's node records: its own when it has one, else one over `nodes`. */
export function nodeRecordWriter(data: SnapshotData): NodeRecordWriter {
  if (data.recordWriter) return data.recordWriter();
  const it = data.nodes[Symbol.iterator]();
  return (w, untilLength) => {
    for (;;) {
      const next = it.next();
      if (next.done === true) return false;
      const n = next.value;
      w.string(n.path).buffer(n.data).long(n.aclIndex);
      writeStatPersisted(w, n.stat);
      if (w.length >= untilLength) return true;
    }
  };
}

export function writeStatPersisted(w: JuteWriter, s: StatPersisted): void {
  w.long(s.czxid)
    .long(s.mzxid)
    .longNumber(s.ctime)
    .longNumber(s.mtime)
    .int(s.version)
    .int(s.cversion)
    .int(s.aversion)
    .long(s.ephemeralOwner)
    .long(s.pzxid);
}

export function readStatPersisted(r: JuteReader): StatPersisted {
  return {
    czxid: r.long(),
    mzxid: r.long(),
    ctime: r.longNumber(),
    mtime: r.longNumber(),
    version: r.int(),
    cversion: r.int(),
    aversion: r.int(),
    ephemeralOwner: r.long(),
    pzxid: r.long(),
  };
}

/**
 * Yields the snapshot image in chunks of about chunkBytes. Nodes are read from data.nodes
 * lazily, one chunk at a time; tail() is called after the last node, so it sees the
 * digest and zxid of the tree as it is when the node walk ends (what Apache records).
 *
 * Each chunk is a view of one buffer that the next chunk overwrites: use it (write it out and
 * wait for that) before asking for the next. A fresh buffer per chunk and a copy of it out
 * were two 256 KiB allocations and a 256 KiB copy per chunk of a snapshot that holds the whole
 * tree (a GB at 1M nodes of 1 KiB).
 */
export function* encodeSnapshotChunks(
  data: SnapshotData,
  tail: () => SnapshotTail,
  chunkBytes = 256 * 1024,
): Generator<Buffer, void, void> {
  const sum = new Adler32();
  const w = new JuteWriter(chunkBytes + 4096);
  const cut = (): Buffer => {
    const chunk = w.view();
    sum.update(chunk);
    return chunk;
  };
  w.int(SNAP_MAGIC).int(SNAP_VERSION).long(SNAP_DBID);
  w.int(data.sessions.size);
  for (const [id, timeoutMs] of data.sessions) w.long(id).int(timeoutMs);
  w.int(data.acls.size);
  for (const [index, acls] of data.acls) {
    w.long(index).vector(acls, writeAcl);
    if (w.length >= chunkBytes) {
      yield cut();
      w.truncate(0);
    }
  }
  const writeNodes = nodeRecordWriter(data);
  while (writeNodes(w, chunkBytes)) {
    yield cut();
    w.truncate(0);
  }
  w.string('/');
  const seal = (): void => {
    // The running checksum covers every byte before the seal, including earlier seals.
    w.long(BigInt(sum.peek(w.view()))).string('/');
  };
  const t = tail();
  seal();
  const d = t.zxidDigest ?? { zxid: 0n, digestVersion: DIGEST_VERSION, digest: 0n };
  w.long(d.zxid).int(d.digestVersion).long(d.digest);
  seal();
  // Apache 3.8 stops here; 3.9 adds lastProcessedZxid (serializeLastProcessedZxid.enabled).
  if (t.lastProcessedZxid !== null) {
    w.long(t.lastProcessedZxid);
    seal();
  }
  yield cut();
}

/** The whole image in one Buffer (tests, small trees, tools). */
export function encodeSnapshot(data: SnapshotData, tail: SnapshotTail): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of encodeSnapshotChunks(data, () => tail)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

export class SnapshotFormatError extends Error {
  override name = 'SnapshotFormatError';
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(`${reason} at byte offset ${offset}`);
  }
}

export interface DecodedSnapshot {
  sessions: Map<bigint, number>;
  acls: Map<bigint, ACL[]>;
  nodes: SnapshotNode[];
  /** null when the file predates the digest section. */
  zxidDigest: ZxidDigest | null;
  /** null when the file predates the lastProcessedZxid section. */
  lastProcessedZxid: bigint | null;
  /** How many seals were present and verified (1..3). */
  seals: number;
}

/** True when the image could be a complete snapshot (FileSnap's tail check). */
export function hasValidTail(buf: Uint8Array): boolean {
  if (buf.length < 10) return false;
  const t = buf.subarray(buf.length - 5);
  return SNAP_TAIL.every((b, i) => t[i] === b);
}

type At = <T>(what: string, f: () => T) => T;

/** `base`: file offset of the reader's buffer (a window of a larger file). */
export function guarded(r: JuteReader, base = 0): At {
  return <T>(what: string, f: () => T): T => {
    const off = base + r.offset;
    try {
      return f();
    } catch (err) {
      if (err instanceof SnapshotFormatError) throw err;
      throw new SnapshotFormatError(
        off,
        `${what}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
}

/** File header, sessions and ACL cache. */
export function readHead(
  r: JuteReader,
  at: At,
): { sessions: Map<bigint, number>; acls: Map<bigint, ACL[]> } {
  const magic = at('header', () => r.int());
  if (magic !== SNAP_MAGIC)
    throw new SnapshotFormatError(
      0,
      `bad magic 0x${(magic >>> 0).toString(16)} (expected 0x5a4b534e "ZKSN")`,
    );
  at('header', () => {
    r.int();
    r.long();
  });
  const sessions = new Map<bigint, number>();
  const sessionCount = at('session count', () => r.int());
  if (sessionCount < 0 || sessionCount * 12 > r.remaining)
    throw new SnapshotFormatError(r.offset - 4, `impossible session count ${sessionCount}`);
  for (let i = 0; i < sessionCount; i++) at('session', () => sessions.set(r.long(), r.int()));
  const acls = new Map<bigint, ACL[]>();
  const aclCount = at('ACL cache count', () => r.int());
  if (aclCount < 0 || aclCount * 12 > r.remaining)
    throw new SnapshotFormatError(r.offset - 4, `impossible ACL cache count ${aclCount}`);
  for (let i = 0; i < aclCount; i++)
    at('ACL cache entry', () => acls.set(r.long(), r.vector(readAcl) ?? []));
  return { sessions, acls };
}

/**
 * The seals and the sections between them, up to the end of the image. `buf` may start
 * part-way into the file: `adlerBefore` is then the Adler-32 of the bytes before it and
 * `base` its file offset.
 */
export function readTail(
  r: JuteReader,
  buf: Buffer,
  at: At,
  adlerBefore = 1,
  base = 0,
): Pick<DecodedSnapshot, 'zxidDigest' | 'lastProcessedZxid' | 'seals'> {
  let seals = 0;
  let summed = 0;
  let sum = adlerBefore;
  const checkSeal = (): void => {
    const off = r.offset;
    sum = adler32Update(sum, buf, summed, off);
    summed = off;
    const expected = BigInt(sum);
    const stored = at('seal', () => r.long());
    if (stored !== expected)
      throw new SnapshotFormatError(
        base + off,
        `CRC corruption: seal ${stored} does not match Adler32 ${expected} of the preceding bytes`,
      );
    const slash = at('seal', () => r.string());
    if (slash !== '/') throw new SnapshotFormatError(base + off + 8, 'seal not followed by "/"');
    seals++;
  };
  checkSeal();
  let zxidDigest: ZxidDigest | null = null;
  let lastProcessedZxid: bigint | null = null;
  if (!r.atEnd()) {
    zxidDigest = at('ZxidDigest', () => ({
      zxid: r.long(),
      digestVersion: r.int(),
      digest: r.long(),
    }));
    checkSeal();
    if (!r.atEnd()) {
      lastProcessedZxid = at('lastProcessedZxid', () => r.long());
      checkSeal();
    }
  }
  if (!r.atEnd())
    throw new SnapshotFormatError(base + r.offset, 'unexpected bytes after the last seal');
  return { zxidDigest, lastProcessedZxid, seals };
}

/** Decodes an uncompressed snapshot image; throws SnapshotFormatError on anything wrong. */
export function decodeSnapshot(buf: Buffer, maxLengthBytes = 0xfffff * 2): DecodedSnapshot {
  const r = new JuteReader(buf, 0, maxLengthBytes);
  const at = guarded(r);
  const { sessions, acls } = readHead(r, at);
  const nodes: SnapshotNode[] = [];
  // Parents are checked against the ancestor stack of a depth-first walk (Apache's order);
  // any other order falls back to a set of every path seen.
  const stack: string[] = [];
  let seen: Set<string> | null = null;
  let nodeStart = r.offset;
  let path: string | null = null;
  try {
    for (;;) {
      nodeStart = r.offset;
      path = r.string();
      if (path === '/') break;
      if (path === null) throw new SnapshotFormatError(nodeStart, 'null node path');
      if (path !== '') {
        const parent = path.slice(0, path.lastIndexOf('/'));
        let ok: boolean;
        if (seen === null) {
          while (stack.length > 0 && stack[stack.length - 1] !== parent) stack.pop();
          ok = stack.length > 0;
          if (!ok) {
            seen = new Set(nodes.map((n) => n.path));
            ok = seen.has(parent);
          }
        } else ok = seen.has(parent);
        if (!ok)
          throw new SnapshotFormatError(
            nodeStart,
            `node ${path} appears before its parent "${parent}"`,
          );
      }
      if (seen === null) stack.push(path);
      else seen.add(path);
      nodes.push({ path, data: r.buffer(), aclIndex: r.long(), stat: readStatPersisted(r) });
    }
  } catch (err) {
    if (err instanceof SnapshotFormatError) throw err;
    throw new SnapshotFormatError(
      nodeStart,
      `node ${path ?? ''}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return { sessions, acls, nodes, ...readTail(r, buf, at) };
}

/** A decoded snapshot whose nodes are still encoded in `raw` (see decodeSnapshotForLoad). */
export type LoadableSnapshot = DecodedSnapshot & {
  raw: RawSnapshotNodes;
  /** The zxid in the file name, set by the reader of a file (see SnapshotData.zxid). */
  zxid?: bigint;
};

/** Bytes of a node record after its path and data: long ACL index + StatPersisted. */
export const NODE_FIXED_BYTES = 8 + 60;

/**
 * Checks a whole snapshot image (record bounds, lengths, seals) without building the nodes:
 * a tree loads them from `raw` (DataTree.fromSnapshot), which also checks that every parent
 * comes first. `nodes` decodes them in full when first read (tools, tests).
 */
export function decodeSnapshotForLoad(buf: Buffer, maxLengthBytes = 0xfffff * 2): LoadableSnapshot {
  const r0 = new JuteReader(buf, 0, maxLengthBytes);
  const { sessions, acls } = readHead(r0, guarded(r0));
  const start = r0.offset;
  let off = start;
  let count = 0;
  const need = (n: number, what: string): void => {
    if (off + n > buf.length) throw new SnapshotFormatError(off, `node record: truncated ${what}`);
  };
  for (;;) {
    const recordAt = off;
    need(4, 'path length');
    const pathLen = buf.readInt32BE(off);
    if (pathLen === 1 && off + 5 <= buf.length && buf[off + 4] === 0x2f) break;
    if (pathLen < 0)
      throw new SnapshotFormatError(
        recordAt,
        pathLen === -1 ? 'null node path' : `node path: Unreasonable length ${pathLen}`,
      );
    if (pathLen > maxLengthBytes)
      throw new SnapshotFormatError(recordAt, `node path: Unreasonable length ${pathLen}`);
    off += 4;
    need(pathLen + 4, 'path');
    off += pathLen;
    const dataLen = buf.readInt32BE(off);
    if (dataLen < -1 || dataLen > maxLengthBytes)
      throw new SnapshotFormatError(recordAt, `node data: Unreasonable length ${dataLen}`);
    off += 4;
    need(Math.max(0, dataLen) + NODE_FIXED_BYTES, 'data and stat');
    off += Math.max(0, dataLen) + NODE_FIXED_BYTES;
    count++;
  }
  const end = off;
  const r = new JuteReader(buf, end + 5, maxLengthBytes);
  const tail = readTail(r, buf, guarded(r));
  let nodes: SnapshotNode[] | undefined;
  return {
    sessions,
    acls,
    get nodes(): SnapshotNode[] {
      return (nodes ??= decodeSnapshot(buf, maxLengthBytes).nodes);
    },
    raw: { count, segments: () => [{ buf, start, end }] },
    ...tail,
  };
}
