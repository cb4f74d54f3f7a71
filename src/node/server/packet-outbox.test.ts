import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeQuorumPacket, PacketType, type QuorumPacket } from '../quorum/wire/quorum-packet.js';
import { PacketOutbox } from './packet-outbox.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A loopback pair: the receiver starts paused so the sender's kernel buffer fills. */
async function socketPair(): Promise<{ sender: net.Socket; receiver: net.Socket }> {
  let accepted!: (s: net.Socket) => void;
  const receiverP = new Promise<net.Socket>((r) => (accepted = r));
  const srv = net.createServer((s) => {
    s.pause();
    accepted(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  const sender = await new Promise<net.Socket>((r) => {
    const s = net.connect(port, '127.0.0.1', () => r(s));
  });
  const receiver = await receiverP;
  cleanup.push(
    () => new Promise<void>((r) => srv.close(() => r())),
    () => sender.destroy(),
    () => receiver.destroy(),
  );
  return { sender, receiver };
}

function collect(receiver: net.Socket, expectedBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  return new Promise((resolve) => {
    receiver.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= expectedBytes) resolve(Buffer.concat(chunks));
    });
    receiver.resume();
  });
}

function decodeAll(bytes: Buffer): QuorumPacket[] {
  const out: QuorumPacket[] = [];
  let at = 0;
  while (at < bytes.length) {
    const r = decodeQuorumPacket(bytes, at);
    expect(r).not.toBeNull();
    out.push(r!.packet);
    at = r!.next;
  }
  return out;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Packet i's data: its number repeated, so a byte overwritten by a reused buffer shows. */
function packet(i: number, bytes: number): QuorumPacket {
  return {
    type: PacketType.PROPOSAL,
    zxid: BigInt(i),
    data: Buffer.alloc(bytes, i % 251),
    authinfo: [],
  };
}

describe('PacketOutbox', () => {
  it('keeps every packet intact and in order while the peer reads nothing and the stream queues', async () => {
    const { sender, receiver } = await socketPair();
    const outbox = new PacketOutbox(sender);
    const turns = 200;
    const perTurn = 8;
    const dataBytes = 4000;
    let queuedAtSomePoint = false;
    for (let t = 0; t < turns; t++) {
      for (let k = 0; k < perTurn; k++) outbox.send(packet(t * perTurn + k, dataBytes));
      await turn();
      if (sender.writableLength > 0) queuedAtSomePoint = true;
    }
    // The test means something only if the kernel buffer filled and the stream had to hold bytes.
    expect(queuedAtSomePoint).toBe(true);
    const perPacket = 4 + 8 + 4 + dataBytes + 4;
    const got = decodeAll(await collect(receiver, turns * perTurn * perPacket));
    expect(got.length).toBe(turns * perTurn);
    got.forEach((p, i) => {
      expect(p.zxid).toBe(BigInt(i));
      expect(p.data!.equals(Buffer.alloc(dataBytes, i % 251))).toBe(true);
    });
  });

  it('writes packets, small raw bytes and large raw bytes in the order they were sent', async () => {
    const { sender, receiver } = await socketPair();
    const outbox = new PacketOutbox(sender);
    const large = Buffer.alloc(200 * 1024, 7);
    const small = Buffer.from('snapshot-head');
    outbox.send({ type: PacketType.SNAP, zxid: 9n, data: null, authinfo: [] });
    outbox.sendRaw(small);
    outbox.sendRaw(large);
    outbox.send({ type: PacketType.NEWLEADER, zxid: 10n, data: null, authinfo: [] });
    await turn();
    const header = 4 + 8 + 4 + 4;
    const bytes = await collect(receiver, 2 * header + small.length + large.length);
    const first = decodeQuorumPacket(bytes, 0)!;
    expect(first.packet.type).toBe(PacketType.SNAP);
    let at = first.next;
    expect(bytes.subarray(at, at + small.length).equals(small)).toBe(true);
    at += small.length;
    expect(bytes.subarray(at, at + large.length).equals(large)).toBe(true);
    at += large.length;
    const last = decodeQuorumPacket(bytes, at)!;
    expect(last.packet.type).toBe(PacketType.NEWLEADER);
    expect(last.next).toBe(bytes.length);
  });

  it('flush() writes at once what is pending, so a close right after loses nothing', async () => {
    const { sender, receiver } = await socketPair();
    const outbox = new PacketOutbox(sender);
    outbox.send(packet(3, 10));
    outbox.flush();
    sender.end();
    const got = decodeAll(await collect(receiver, 4 + 8 + 4 + 10 + 4));
    expect(got.map((p) => p.zxid)).toEqual([3n]);
  });
});
