/**
 * The snapshot a leader writes on the quorum stream right after SNAP (quorum-protocol.md §4.4):
 * sessions, ACL cache, nodes in pre-order ending with path "/", then ustring "BenWasHere".
 * Unlike a snapshot file it has no file header, no seals and no digest.
 */
import { JuteDecodeError, JuteReader, JuteWriter } from '../proto/jute.js';
import type { ACL } from '../proto/types.js';
import { nodeRecordWriter, readAcl, readStatPersisted, writeAcl } from './snapshot-format.js';
import type { SnapshotData, SnapshotNode } from './snapshot-types.js';

export const SNAP_STREAM_SIGNATURE = 'BenWasHere';

/** Encodes the stream in chunks of about chunkBytes, so a sender can apply backpressure. */
export function* encodeSnapStream(
  data: SnapshotData,
  chunkBytes = 256 * 1024,
): Generator<Buffer, void, void> {
  let w = new JuteWriter(chunkBytes + 4096);
  const cut = (): Buffer => {
    const chunk = w.toBuffer();
    w = new JuteWriter(chunkBytes + 4096);
    return chunk;
  };
  w.int(data.sessions.size);
  for (const [id, timeoutMs] of data.sessions) w.long(id).int(timeoutMs);
  w.int(data.acls.size);
  for (const [index, acls] of data.acls) w.long(index).vector(acls, writeAcl);
  const writeNodes = nodeRecordWriter(data);
  while (writeNodes(w, chunkBytes)) yield cut();
  w.string('/').string(SNAP_STREAM_SIGNATURE);
  yield cut();
}

export class SnapStreamError extends Error {
  override name = 'SnapStreamError';
}

type Phase = 'session-count' | 'sessions' | 'acl-count' | 'acls' | 'nodes' | 'signature' | 'done';

/**
 * Reads the stream incrementally: each call gets the bytes not consumed yet and says how many
 * it used (whole records only; the caller drops them) and whether the stream is complete. The
 * records read so far are kept, so the work stays linear in the stream size.
 */
export class SnapStreamReader {
  private phase: Phase = 'session-count';
  private remainingInPhase = 0;
  readonly sessions = new Map<bigint, number>();
  readonly acls = new Map<bigint, ACL[]>();
  readonly nodes: SnapshotNode[] = [];

  constructor(private readonly maxLengthBytes = 0xfffff * 2) {}

  /** @throws SnapStreamError when the bytes are not a snapshot stream. */
  push(buf: Buffer): { used: number; done: boolean } {
    const r = new JuteReader(buf, 0, this.maxLengthBytes);
    let used = 0;
    try {
      while (this.phase !== 'done') {
        this.step(r);
        used = r.offset;
      }
      return { used, done: true };
    } catch (err) {
      // A record cut by the end of what has arrived fails to decode too: wait for more, unless
      // more than the largest possible record is already here after the last whole one.
      if (err instanceof JuteDecodeError && buf.length - used <= 2 * this.maxLengthBytes + 4096)
        return { used, done: false };
      if (err instanceof SnapStreamError) throw err;
      throw new SnapStreamError(
        `snapshot stream: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  get data(): SnapshotData {
    if (this.phase !== 'done') throw new SnapStreamError('snapshot stream is incomplete');
    return { sessions: this.sessions, acls: this.acls, nodes: this.nodes };
  }

  private step(r: JuteReader): void {
    switch (this.phase) {
      case 'session-count':
        this.remainingInPhase = this.count(r.int(), 'session');
        this.phase = 'sessions';
        return;
      case 'sessions':
        if (this.remainingInPhase === 0) {
          this.phase = 'acl-count';
          return;
        }
        this.sessions.set(r.long(), r.int());
        this.remainingInPhase--;
        return;
      case 'acl-count':
        this.remainingInPhase = this.count(r.int(), 'ACL cache');
        this.phase = 'acls';
        return;
      case 'acls':
        if (this.remainingInPhase === 0) {
          this.phase = 'nodes';
          return;
        }
        this.acls.set(r.long(), r.vector(readAcl) ?? []);
        this.remainingInPhase--;
        return;
      case 'nodes': {
        const path = r.string();
        if (path === null)
          throw new SnapStreamError(`null node path after node ${this.nodes.length}`);
        if (path === '/') {
          this.phase = 'signature';
          return;
        }
        this.nodes.push({
          path,
          data: r.buffer(),
          aclIndex: r.long(),
          stat: readStatPersisted(r),
        });
        return;
      }
      case 'signature': {
        const sig = r.string();
        if (sig !== SNAP_STREAM_SIGNATURE)
          throw new SnapStreamError(`missing signature: got ${JSON.stringify(sig)}`);
        this.phase = 'done';
        return;
      }
      case 'done':
        return;
    }
  }

  private count(n: number, what: string): number {
    if (n < 0) throw new SnapStreamError(`negative ${what} count ${n}`);
    return n;
  }
}
