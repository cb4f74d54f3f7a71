/**
 * Broken and hostile input on raw sockets, while two healthy sessions keep reading and
 * writing: each bad connection must be answered or closed exactly as Apache ZooKeeper 3.8
 * does, the healthy sessions must see no error, and the server must stay up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JuteReader, JuteWriter } from '../../src/node/proto/jute.js';
import { OpCode } from '../../src/node/proto/opcodes.js';
import { fourLetterWord } from '../support/fourlw.js';
import { connectRequestFrame, FramedSocket, RawClient } from '../support/raw-client.js';
import { startTarget, targetKind, type Target } from '../support/target.js';

const kind = targetKind();
const maxClientCnxns = 10;
let target: Target;
const healthy: RawClient[] = [];
let stopWork = false;
let workers: Promise<string[]>[] = [];

const createBody = (path: string, data: string) =>
  new JuteWriter()
    .string(path)
    .buffer(Buffer.from(data))
    .int(1)
    .int(31)
    .string('world')
    .string('anyone')
    .int(0)
    .toBuffer();
const setDataBody = (path: string, data: string) =>
  new JuteWriter().string(path).buffer(Buffer.from(data)).int(-1).toBuffer();
const pathWatchBody = (path: string) => new JuteWriter().string(path).bool(false).toBuffer();

/** A session writing and reading its own node in a loop; returns the problems it saw. */
async function work(c: RawClient, name: string): Promise<string[]> {
  const problems: string[] = [];
  const path = `/healthy-${name}`;
  const r = await c.request(OpCode.create, createBody(path, '0'));
  if (r.err !== 0) problems.push(`create ${path}: ${r.err}`);
  for (let i = 1; !stopWork; i++) {
    try {
      const s = await c.request(OpCode.setData, setDataBody(path, String(i)));
      if (s.err !== 0) problems.push(`setData ${i}: ${s.err}`);
      const g = await c.request(OpCode.getData, pathWatchBody(path));
      const data = new JuteReader(g.body).buffer()?.toString();
      if (g.err !== 0 || data !== String(i)) problems.push(`getData ${i}: ${g.err} ${data}`);
    } catch (e) {
      problems.push(String(e));
      break;
    }
    await new Promise((res) => setTimeout(res, 20));
  }
  return problems;
}

interface Outcome {
  closed: boolean;
  /** Reply frames as [xid, zxid, err]. */
  replies: [number, bigint, number][];
}

/** Sends bytes (after a handshake, if asked) and reports what the server did within waitMs. */
async function probe(
  bytes: Buffer,
  o: { handshake: boolean; end?: boolean; waitMs?: number },
): Promise<Outcome> {
  const s = await FramedSocket.open(target.host, target.port);
  try {
    if (o.handshake) {
      s.write(connectRequestFrame());
      if (!(await s.nextFrame())) throw new Error('handshake refused');
    }
    s.write(bytes);
    if (o.end) s.socket.end();
    const closed = await s.waitClosed(o.waitMs ?? 3_000);
    const replies: [number, bigint, number][] = [];
    for (;;) {
      const f = await s.nextFrame(1).catch(() => null);
      if (!f) break;
      const r = new JuteReader(f);
      replies.push([r.int(), r.long(), r.int()]);
    }
    return { closed, replies };
  } finally {
    s.destroy();
  }
}

beforeAll(async () => {
  target = await startTarget({ config: { maxClientCnxns: String(maxClientCnxns) } });
  for (let i = 0; i < 2; i++) {
    const c = await RawClient.connect(target.host, target.port, { timeOutMs: 10_000 });
    c.startPinging(1_000);
    healthy.push(c);
  }
  workers = healthy.map((c, i) => work(c, String(i)));
});

afterAll(async () => {
  stopWork = true;
  await Promise.allSettled(workers);
  for (const c of healthy) await c.close();
  await target?.stop();
});

const frameOfLength = (len: number, extra = 8) => {
  const b = Buffer.alloc(4 + extra, 0x41);
  b.writeInt32BE(len, 0);
  return b;
};

describe(`bad input against ${kind}`, () => {
  it('closes a connection whose frame is larger than jute.maxbuffer', async () => {
    const big = frameOfLength(2 << 20);
    expect(await probe(big, { handshake: true })).toEqual({ closed: true, replies: [] });
    expect(await probe(big, { handshake: false })).toEqual({ closed: true, replies: [] });
  });

  it('waits for the rest of a truncated frame and closes when the client ends', async () => {
    const partial = frameOfLength(100, 10);
    expect(await probe(partial, { handshake: true, waitMs: 1_000 })).toEqual({
      closed: false,
      replies: [],
    });
    expect(await probe(partial, { handshake: true, end: true })).toEqual({
      closed: true,
      replies: [],
    });
  });

  it('closes on a negative frame length', async () => {
    const neg = new JuteWriter().int(-16).int(0).toBuffer();
    expect(await probe(neg, { handshake: true })).toEqual({ closed: true, replies: [] });
    expect(await probe(neg, { handshake: false })).toEqual({ closed: true, replies: [] });
  });

  it('closes on garbage instead of a ConnectRequest', async () => {
    const http = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await probe(http, { handshake: false })).toEqual({ closed: true, replies: [] });
    const short = Buffer.concat([
      new JuteWriter().int(16).toBuffer(),
      Buffer.from('0123456789abcdef'),
    ]);
    expect(await probe(short, { handshake: false })).toEqual({ closed: true, replies: [] });
  });

  it('answers garbage after the handshake as an unknown opcode (-6) and closes', async () => {
    // The first 8 bytes are read as xid "0123" and opcode "4567".
    const garbage = Buffer.concat([
      new JuteWriter().int(16).toBuffer(),
      Buffer.from('0123456789abcdef'),
    ]);
    expect(await probe(garbage, { handshake: true })).toEqual({
      closed: true,
      replies: [[0x30313233, -1n, -6]],
    });
  });

  it('answers an unknown opcode with -6 (UNIMPLEMENTED) and closes', async () => {
    const req = new JuteWriter().int(1).int(999).string('/').toFrame();
    expect(await probe(req, { handshake: true })).toEqual({
      closed: true,
      replies: [[1, -1n, -6]],
    });
  });

  it('closes a connection whose first request is not a ConnectRequest', async () => {
    const req = new JuteWriter().int(1).int(OpCode.getData).string('/').bool(false).toFrame();
    expect(await probe(req, { handshake: false })).toEqual({ closed: true, replies: [] });
  });

  it('answers invalid paths with the codes Apache gives (BADARGUMENTS -8) and keeps the session', async () => {
    const c = await RawClient.connect(target.host, target.port);
    try {
      expect((await c.request(OpCode.create, createBody('/p', 'x'))).err).toBe(0);
      const codes: Record<string, number> = {};
      for (const bad of [
        'bad',
        '',
        '/nul\u0000',
        '/trailing/',
        '/a//b',
        '/a/./b',
        '/a/../b',
        '/p/',
        '/p//b',
        '/p/./b',
        '/p/../b',
        '/p/.',
        '/p/b\u0001',
        '/p/\ud800',
        '/zookeeper/x',
      ])
        codes[bad] = (await c.request(OpCode.create, createBody(bad, 'x'))).err;
      // Apache looks up the parent before it validates the whole path, so a malformed path
      // under a missing parent says NONODE (-101); Node encodes the lone surrogate as U+FFFD,
      // which Apache refuses like the control characters.
      expect(codes).toEqual({
        bad: -8,
        '': -8,
        '/nul\u0000': -8,
        '/trailing/': -101,
        '/a//b': -101,
        '/a/./b': -101,
        '/a/../b': -101,
        '/p/': -8,
        '/p//b': -101,
        '/p/./b': -101,
        '/p/../b': -101,
        '/p/.': -8,
        '/p/b\u0001': -8,
        '/p/\ud800': -8,
        '/zookeeper/x': 0,
      });
      // Reads do not validate paths in Apache: a malformed one is just not there.
      expect((await c.request(OpCode.getData, pathWatchBody('no-slash'))).err).toBe(-101);
      expect((await c.request(OpCode.create, createBody('/good', 'x'))).err).toBe(0);
      expect(c.closed).toBe(false);
    } finally {
      await c.close();
    }
  });

  it(`refuses connections beyond maxClientCnxns=${maxClientCnxns} from one address`, async () => {
    // Closed probe connections must be gone from the server's count first.
    await new Promise((r) => setTimeout(r, 500));
    const socks: FramedSocket[] = [];
    let accepted = 0;
    let refused = 0;
    try {
      for (let i = 0; i < maxClientCnxns + 2; i++) {
        const s = await FramedSocket.open(target.host, target.port).catch(() => null);
        if (!s) {
          refused++;
          continue;
        }
        socks.push(s);
        s.write(connectRequestFrame());
        const f = await s.nextFrame(5_000).catch(() => null);
        if (f) accepted++;
        else refused++;
      }
    } finally {
      for (const s of socks) s.destroy();
    }
    // The two healthy sessions count too.
    expect({ accepted, refused }).toEqual({ accepted: maxClientCnxns - 2, refused: 4 });
    await new Promise((r) => setTimeout(r, 500));
    const again = await RawClient.connect(target.host, target.port);
    expect(again.sessionId).not.toBe(0n);
    await again.close();
  });

  it('kept the healthy sessions working and the server up', async () => {
    await new Promise((r) => setTimeout(r, 300));
    stopWork = true;
    const problems = await Promise.all(workers);
    expect(problems).toEqual([[], []]);
    for (const c of healthy) {
      expect(c.closed).toBe(false);
      const r = await c.request(OpCode.exists, pathWatchBody('/'));
      expect(r.err).toBe(0);
    }
    expect(await fourLetterWord(target.host, target.port, 'ruok')).toBe('imok');
  });
});
