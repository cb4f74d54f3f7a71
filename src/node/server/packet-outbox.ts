/**
 * A quorum socket's outgoing packets for one turn of the event loop, encoded straight into
 * one buffer and written with one syscall in the loop's check phase.
 *
 * The buffer is used again for the next turn when the kernel took every byte at once (the
 * stream then holds no reference to it), so a leader sending a PROPOSAL to each learner
 * copies its data once per learner and allocates nothing: encoding each packet into a
 * buffer of its own and joining them at flush time cost three allocations and three copies
 * per packet, and the garbage collection that followed.
 */
import type { Socket } from 'node:net';
import { JuteWriter } from '../proto/jute.js';
import { writeQuorumPacket, type QuorumPacket } from '../quorum/wire/quorum-packet.js';

/** Raw bytes above this (a snapshot's chunks after SNAP) are written as they are, not copied. */
const RAW_COPY_MAX_BYTES = 64 * 1024;
/** A buffer grown past this by a burst (DIFF, SNAP) is let go rather than kept for ever. */
const KEEP_MAX_BYTES = 1024 * 1024;
const INITIAL_BYTES = 16 * 1024;

export class PacketOutbox {
  private writer: JuteWriter | null = null;
  private scheduled = false;
  private readonly flushNow = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(private readonly sock: Socket) {}

  send(packet: QuorumPacket): void {
    writeQuorumPacket(this.pending(), packet);
  }

  /** Bytes in stream order after the packets sent so far (the snapshot after SNAP). */
  sendRaw(bytes: Buffer): void {
    if (bytes.length <= RAW_COPY_MAX_BYTES) {
      this.pending().raw(bytes);
      return;
    }
    this.flush();
    if (!this.sock.destroyed) this.sock.write(bytes);
  }

  /** Writes what is pending now (before a close, or ahead of a large raw write). */
  flush(): void {
    const w = this.writer;
    if (w === null || w.length === 0) return;
    if (this.sock.destroyed) {
      w.truncate(0);
      return;
    }
    this.sock.write(w.view());
    // Bytes the kernel did not take stay queued in the stream, which then owns the buffer.
    if (this.sock.writableLength === 0 && w.capacity <= KEEP_MAX_BYTES) w.truncate(0);
    else this.writer = null;
  }

  private pending(): JuteWriter {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
    return (this.writer ??= new JuteWriter(INITIAL_BYTES));
  }
}
