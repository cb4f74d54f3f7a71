import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JuteDecodeError, JuteReader } from './jute.js';
import { OpCode } from './opcodes.js';
import {
  decodeConnectRequest,
  decodeConnectResponse,
  decodeRequest,
  decodeResponse,
  decodeWatcherEvent,
  encodeConnectRequest,
  encodeConnectResponse,
  encodeNotification,
  encodeReply,
  encodeRequest,
  MultiMarshallingError,
  readReplyHeader,
  readRequestHeader,
  UnknownOpcodeError,
} from './records.js';
import type { MultiOp, MultiResult, Request, Response } from './requests.js';
import type { ACL, Stat } from './types.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const passwd = hex('57b2b9b5984a14dd8d1ec998a1f8b2c4');

const fooStat: Stat = {
  czxid: 2n,
  mzxid: 3n,
  ctime: 1700000000000,
  mtime: 1700000005000,
  version: 1,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 3,
  numChildren: 0,
  pzxid: 2n,
};

describe('spec §17 byte examples', () => {
  const connect45 = hex(
    '0000002d 00000000 0000000000000000 00007530 0000000000000000 00000010' +
      '00'.repeat(16) +
      '00',
  );

  it('decodes the 45-byte and 44-byte ConnectRequest', () => {
    const c = decodeConnectRequest(connect45.subarray(4));
    expect(c).toEqual({
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: 30000,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
      readOnly: false,
    });
    const c44 = decodeConnectRequest(connect45.subarray(4, 48));
    expect(c44.readOnly).toBeUndefined();
    expect(encodeConnectRequest(c)).toEqual(connect45);
    const frame44 = encodeConnectRequest(c44);
    expect(frame44.readInt32BE(0)).toBe(44);
    expect(frame44.subarray(4)).toEqual(connect45.subarray(4, 48));
  });

  it('encodes the ConnectResponse with and without the readOnly byte', () => {
    const expected = hex(
      '00000025 00000000 00007530 0100017f3a2b0000 00000010 57b2b9b5984a14dd8d1ec998a1f8b2c4 00',
    );
    const r = {
      protocolVersion: 0,
      timeOut: 30000,
      sessionId: 0x0100017f3a2b0000n,
      passwd,
      readOnly: false,
    };
    expect(encodeConnectResponse(r)).toEqual(expected);
    const short = encodeConnectResponse({ ...r, readOnly: undefined });
    expect(short.readInt32BE(0)).toBe(36);
    expect(short.subarray(4)).toEqual(expected.subarray(4, 40));
    expect(decodeConnectResponse(expected.subarray(4))).toEqual(r);
    expect(decodeConnectResponse(short.subarray(4))).toEqual({ ...r, readOnly: undefined });
  });

  it('encodes getData("/foo") and decodes it', () => {
    const frame = encodeRequest(1, {
      type: OpCode.getData,
      request: { path: '/foo', watch: false },
    });
    expect(frame).toEqual(hex('00000011 00000001 00000004 000000042f666f6f 00'));
    const r = new JuteReader(frame.subarray(4));
    const header = readRequestHeader(r);
    expect(header).toEqual({ xid: 1, type: 4 });
    expect(decodeRequest(header, r)).toEqual({ type: 4, request: { path: '/foo', watch: false } });
  });

  it('encodes the getData reply, the NoNode reply, ping and a notification', () => {
    const reply = encodeReply(
      { xid: 1, zxid: 3n, err: 0 },
      { kind: 'getData', data: Buffer.from('bar'), stat: fooStat },
    );
    expect(reply).toEqual(
      hex(
        '0000005b 00000001 0000000000000003 00000000 00000003626172' +
          '0000000000000002 0000000000000003 0000018bcfe56800 0000018bcfe57b88' +
          '00000001 00000000 00000000 0000000000000000 00000003 00000000 0000000000000002',
      ),
    );
    const r = new JuteReader(reply.subarray(4));
    expect(readReplyHeader(r)).toEqual({ xid: 1, zxid: 3n, err: 0 });
    expect(decodeResponse(OpCode.getData, r)).toEqual({
      kind: 'getData',
      data: Buffer.from('bar'),
      stat: fooStat,
    });

    const noNode = encodeReply(
      { xid: 1, zxid: 3n, err: -101 },
      { kind: 'getData', data: null, stat: fooStat },
    );
    expect(noNode).toEqual(hex('00000010 00000001 0000000000000003 ffffff9b'));
    expect(encodeRequest(-2, { type: OpCode.ping, request: null })).toEqual(
      hex('00000008 fffffffe 0000000b'),
    );
    expect(encodeReply({ xid: -2, zxid: 7n, err: 0 }, null)).toEqual(
      hex('00000010 fffffffe 0000000000000007 00000000'),
    );
    const note = encodeNotification(4n, { type: 3, state: 3, path: '/foo' });
    expect(note).toEqual(
      hex('00000020 ffffffff 0000000000000004 00000000 00000003 00000003 00000004 2f666f6f'),
    );
    const nr = new JuteReader(note.subarray(4));
    readReplyHeader(nr);
    expect(decodeWatcherEvent(nr)).toEqual({ type: 3, state: 3, path: '/foo' });
  });

  it('encodes the addWatch success body as ErrorResponse(0)', () => {
    expect(encodeReply({ xid: 5, zxid: 1n, err: 0 }, { kind: 'errorResponse', err: 0 })).toEqual(
      hex('00000014 00000005 0000000000000001 00000000 00000000'),
    );
  });
});

// ---- arbitraries ----
const str = fc.string({ maxLength: 12 });
const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const long = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const ms = fc.integer({ min: 0, max: 2 ** 50 });
const data = fc.option(
  fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)),
  { nil: null },
);
const acl: fc.Arbitrary<ACL> = fc.record({ perms: int, id: fc.record({ scheme: str, id: str }) });
const acls = fc.array(acl, { maxLength: 3 });
const strings = fc.array(str, { maxLength: 4 });
const stat: fc.Arbitrary<Stat> = fc.record({
  czxid: long,
  mzxid: long,
  ctime: ms,
  mtime: ms,
  version: int,
  cversion: int,
  aversion: int,
  ephemeralOwner: long,
  dataLength: int,
  numChildren: int,
  pzxid: long,
});
const plainFlags = fc.constantFrom(0, 1, 2, 3, 7, -1);
const create = fc.record({ path: str, data, acl: acls, flags: plainFlags });
const pathWatch = fc.record({ path: str, watch: fc.boolean() });
const pathVersion = fc.record({ path: str, version: int });

// Already in the normal form decodeRequest produces for multi ops.
const writeOp: fc.Arbitrary<MultiOp> = fc.oneof(
  create.map((request) => ({ type: OpCode.create, request }) as MultiOp),
  create.map(
    (request) => ({ type: OpCode.createContainer, request: { ...request, flags: 4 } }) as MultiOp,
  ),
  fc
    .record({ path: str, data, acl: acls, flags: fc.constantFrom(5, 6), ttl: ms })
    .map((request) => ({ type: OpCode.createTTL, request }) as MultiOp),
  pathVersion.map((request) => ({ type: OpCode.delete, request }) as MultiOp),
  pathVersion.map((request) => ({ type: OpCode.check, request }) as MultiOp),
  fc
    .record({ path: str, data, version: int })
    .map((request) => ({ type: OpCode.setData, request }) as MultiOp),
);
const readOp: fc.Arbitrary<MultiOp> = fc
  .record({ type: fc.constantFrom(OpCode.getData, OpCode.getChildren), path: str })
  .map(({ type, path }) => ({ type, request: { path, watch: false } }) as MultiOp);

const request: fc.Arbitrary<Request> = fc.oneof(
  fc
    .record({
      type: fc.constantFrom(OpCode.create, OpCode.create2, OpCode.createContainer),
      request: create,
    })
    .map((x) => x as Request),
  fc
    .record({ path: str, data, acl: acls, flags: int, ttl: ms })
    .map((request) => ({ type: OpCode.createTTL, request }) as Request),
  pathVersion.map((request) => ({ type: OpCode.delete, request }) as Request),
  pathVersion.map((request) => ({ type: OpCode.check, request }) as Request),
  fc
    .record({
      type: fc.constantFrom(OpCode.exists, OpCode.getData, OpCode.getChildren, OpCode.getChildren2),
      request: pathWatch,
    })
    .map((x) => x as Request),
  fc
    .record({ path: str, data, version: int })
    .map((request) => ({ type: OpCode.setData, request }) as Request),
  fc
    .record({
      type: fc.constantFrom(OpCode.getACL, OpCode.sync, OpCode.getAllChildrenNumber),
      request: fc.record({ path: str }),
    })
    .map((x) => x as Request),
  fc
    .record({ path: str, acl: acls, version: int })
    .map((request) => ({ type: OpCode.setACL, request }) as Request),
  fc
    .array(writeOp, { maxLength: 4 })
    .map((ops) => ({ type: OpCode.multi, request: { ops } }) as Request),
  fc
    .array(readOp, { maxLength: 4 })
    .map((ops) => ({ type: OpCode.multiRead, request: { ops } }) as Request),
  fc
    .record({
      joiningServers: fc.option(str, { nil: null }),
      leavingServers: fc.option(str, { nil: null }),
      newMembers: fc.option(str, { nil: null }),
      curConfigId: long,
    })
    .map((request) => ({ type: OpCode.reconfig, request }) as Request),
  fc
    .record({
      type: fc.constantFrom(OpCode.checkWatches, OpCode.removeWatches),
      request: fc.record({ path: str, type: int }),
    })
    .map((x) => x as Request),
  fc
    .record({ path: str, mode: int })
    .map((request) => ({ type: OpCode.addWatch, request }) as Request),
  fc
    .record({
      relativeZxid: long,
      dataWatches: strings,
      existWatches: strings,
      childWatches: strings,
    })
    .map(
      (s) =>
        ({
          type: OpCode.setWatches,
          request: { ...s, persistentWatches: [], persistentRecursiveWatches: [] },
        }) as Request,
    ),
  fc
    .record({
      relativeZxid: long,
      dataWatches: strings,
      existWatches: strings,
      childWatches: strings,
      persistentWatches: strings,
      persistentRecursiveWatches: strings,
    })
    .map((request) => ({ type: OpCode.setWatches2, request }) as Request),
  fc
    .record({ type: int, scheme: str, auth: data })
    .map((request) => ({ type: OpCode.auth, request }) as Request),
  fc
    .option(str, { nil: null })
    .map((prefixPath) => ({ type: OpCode.getEphemerals, request: { prefixPath } }) as Request),
  fc
    .constantFrom(OpCode.ping, OpCode.closeSession, OpCode.whoAmI)
    .map((type) => ({ type, request: null }) as Request),
);

const multiResult: fc.Arbitrary<MultiResult> = fc.oneof(
  str.map((path) => ({ type: OpCode.create, path }) as MultiResult),
  fc.record({ path: str, stat }).map((x) => ({ type: OpCode.create2, ...x }) as MultiResult),
  fc.constantFrom(OpCode.delete, OpCode.check).map((type) => ({ type }) as MultiResult),
  stat.map((s) => ({ type: OpCode.setData, stat: s }) as MultiResult),
  fc.record({ data, stat }).map((x) => ({ type: OpCode.getData, ...x }) as MultiResult),
  strings.map((children) => ({ type: OpCode.getChildren, children }) as MultiResult),
  int.map((err) => ({ type: OpCode.error, err }) as MultiResult),
);

/** [request type the client sent, response] pairs. */
const response: fc.Arbitrary<[number, Response]> = fc.oneof(
  str.map((path) => [OpCode.create, { kind: 'create', path }] as [number, Response]),
  fc
    .record({
      t: fc.constantFrom(OpCode.create2, OpCode.createContainer, OpCode.createTTL),
      path: str,
      stat,
    })
    .map(({ t, path, stat: s }) => [t, { kind: 'create2', path, stat: s }] as [number, Response]),
  fc
    .record({ t: fc.constantFrom(OpCode.exists, OpCode.setData, OpCode.setACL), stat })
    .map(({ t, stat: s }) => [t, { kind: 'stat', stat: s }] as [number, Response]),
  fc
    .record({ t: fc.constantFrom(OpCode.getData, OpCode.reconfig), data, stat })
    .map(
      ({ t, data: d, stat: s }) => [t, { kind: 'getData', data: d, stat: s }] as [number, Response],
    ),
  fc
    .record({ acl: acls, stat })
    .map((x) => [OpCode.getACL, { kind: 'getACL', ...x }] as [number, Response]),
  strings.map(
    (children) => [OpCode.getChildren, { kind: 'getChildren', children }] as [number, Response],
  ),
  fc
    .record({ children: strings, stat })
    .map((x) => [OpCode.getChildren2, { kind: 'getChildren2', ...x }] as [number, Response]),
  str.map((path) => [OpCode.sync, { kind: 'path', path }] as [number, Response]),
  fc
    .array(multiResult, { maxLength: 4 })
    .map((results) => [OpCode.multi, { kind: 'multi', results }] as [number, Response]),
  strings.map(
    (ephemerals) =>
      [OpCode.getEphemerals, { kind: 'ephemerals', ephemerals }] as [number, Response],
  ),
  int.map(
    (totalNumber) =>
      [OpCode.getAllChildrenNumber, { kind: 'allChildrenNumber', totalNumber }] as [
        number,
        Response,
      ],
  ),
  fc
    .array(fc.record({ authScheme: str, user: str }), { maxLength: 3 })
    .map((clientInfo) => [OpCode.whoAmI, { kind: 'whoAmI', clientInfo }] as [number, Response]),
  int.map((err) => [OpCode.addWatch, { kind: 'errorResponse', err }] as [number, Response]),
  fc
    .constantFrom(
      OpCode.delete,
      OpCode.checkWatches,
      OpCode.removeWatches,
      OpCode.setWatches,
      OpCode.closeSession,
    )
    .map((t) => [t, { kind: 'none' }] as [number, Response]),
);

function decodeFrameRequest(frame: Buffer): Request {
  expect(frame.readInt32BE(0)).toBe(frame.length - 4);
  const r = new JuteReader(frame.subarray(4));
  const req = decodeRequest(readRequestHeader(r), r);
  expect(r.atEnd()).toBe(true);
  return req;
}

describe('round trips', () => {
  it('every request record', () => {
    fc.assert(
      fc.property(request, int, (req, xid) => {
        expect(decodeFrameRequest(encodeRequest(xid, req))).toEqual(req);
      }),
      { numRuns: 2000 },
    );
  });

  it('every response record', () => {
    fc.assert(
      fc.property(response, int, long, ([type, body], xid, zxid) => {
        const frame = encodeReply({ xid, zxid, err: 0 }, body);
        expect(frame.readInt32BE(0)).toBe(frame.length - 4);
        const r = new JuteReader(frame.subarray(4));
        expect(readReplyHeader(r)).toEqual({ xid, zxid, err: 0 });
        expect(decodeResponse(type, r)).toEqual(body);
        expect(r.atEnd()).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('connect request and response', () => {
    const passwdArb = fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a));
    const ro = fc.constantFrom(true, false, undefined);
    fc.assert(
      fc.property(
        int,
        long,
        int,
        long,
        passwdArb,
        ro,
        (protocolVersion, lastZxidSeen, timeOut, sessionId, pw, readOnly) => {
          const c = { protocolVersion, lastZxidSeen, timeOut, sessionId, passwd: pw, readOnly };
          expect(decodeConnectRequest(encodeConnectRequest(c).subarray(4))).toEqual(c);
          const s = { protocolVersion, timeOut, sessionId, passwd: pw, readOnly };
          expect(decodeConnectResponse(encodeConnectResponse(s).subarray(4))).toEqual(s);
        },
      ),
    );
  });

  it('notifications', () => {
    fc.assert(
      fc.property(long, int, int, str, (zxid, type, state, path) => {
        const r = new JuteReader(encodeNotification(zxid, { type, state, path }).subarray(4));
        expect(readReplyHeader(r)).toEqual({ xid: -1, zxid, err: 0 });
        expect(decodeWatcherEvent(r)).toEqual({ type, state, path });
      }),
    );
  });
});

describe('multi decoding follows Apache MultiOperationRecord', () => {
  const body = (ops: MultiOp[], type: number = OpCode.multi): Buffer =>
    encodeRequest(1, { type, request: { ops } } as Request);

  it('maps create2 to create, CONTAINER flags to createContainer, non-TTL createTTL to create; drops read watches', () => {
    const c = { path: '/a', data: null, acl: [], flags: 0 };
    const req = decodeFrameRequest(
      body([
        { type: OpCode.create2, request: c },
        { type: OpCode.create, request: { ...c, flags: 4 } },
        { type: OpCode.createTTL, request: { ...c, flags: 2, ttl: 10 } },
      ]),
    );
    expect(req).toEqual({
      type: OpCode.multi,
      request: {
        ops: [
          { type: OpCode.create, request: c },
          { type: OpCode.createContainer, request: { ...c, flags: 4 } },
          { type: OpCode.create, request: { ...c, flags: 2 } },
        ],
      },
    });
    const read = decodeFrameRequest(
      body([{ type: OpCode.getData, request: { path: '/a', watch: true } }], OpCode.multiRead),
    );
    expect(read).toEqual({
      type: OpCode.multiRead,
      request: { ops: [{ type: OpCode.getData, request: { path: '/a', watch: false } }] },
    });
  });

  it('rejects mixes, unknown op types, TTL flags without ttl and truncation with MultiMarshallingError', () => {
    const w = { type: OpCode.delete, request: { path: '/a', version: -1 } } as MultiOp;
    const rd = { type: OpCode.getData, request: { path: '/a', watch: false } } as MultiOp;
    expect(() => decodeFrameRequest(body([w, rd]))).toThrow(MultiMarshallingError);
    expect(() => decodeFrameRequest(body([w], OpCode.multiRead))).toThrow(MultiMarshallingError);
    expect(() =>
      decodeFrameRequest(
        body([{ type: OpCode.create, request: { path: '/a', data: null, acl: [], flags: 5 } }]),
      ),
    ).toThrow(MultiMarshallingError);
    const bad = body([w]);
    bad.writeInt32BE(OpCode.exists, 12); // first MultiHeader.type
    expect(() => decodeFrameRequest(bad)).toThrow(MultiMarshallingError);
    const full = body([w]);
    const truncated = full.subarray(4, full.length - 9); // loses the terminator
    const r = new JuteReader(truncated);
    expect(() => decodeRequest(readRequestHeader(r), r)).toThrow(MultiMarshallingError);
  });

  it('an empty multi is only a terminator', () => {
    expect(body([])).toEqual(hex('00000011 00000001 0000000e ffffffff 01 ffffffff'));
  });

  it('encodes multi error results with the code in header and body', () => {
    const frame = encodeReply(
      { xid: 1, zxid: 9n, err: 0 },
      {
        kind: 'multi',
        results: [
          { type: OpCode.error, err: 0 },
          { type: OpCode.error, err: -103 },
        ],
      },
    );
    expect(frame.subarray(20)).toEqual(
      hex('ffffffff 00 00000000 00000000 ffffffff 00 ffffff99 ffffff99 ffffffff 01 ffffffff'),
    );
  });
});

describe('bad input', () => {
  it('unknown opcodes throw UnknownOpcodeError (a JuteDecodeError)', () => {
    for (const type of [0, 10, 20, 23, 99, 102, 108, -10, -1, 12345]) {
      const err = (() => {
        try {
          decodeRequest({ xid: 1, type }, new JuteReader(Buffer.alloc(64)));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(UnknownOpcodeError);
      expect(err).toBeInstanceOf(JuteDecodeError);
    }
  });

  it('every truncation of every request throws JuteDecodeError', () => {
    fc.assert(
      fc.property(request, (req) => {
        const body = encodeRequest(1, req).subarray(12);
        for (let cut = 0; cut < body.length; cut++) {
          expect(() =>
            decodeRequest({ xid: 1, type: req.type }, new JuteReader(body.subarray(0, cut))),
          ).toThrow(JuteDecodeError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('garbage never throws anything but JuteDecodeError', () => {
    const types = Object.values(OpCode);
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 80 }), (type, bytes) => {
        const buf = Buffer.from(bytes);
        for (const f of [
          () => decodeRequest({ xid: 1, type }, new JuteReader(buf)),
          () => decodeResponse(type, new JuteReader(buf)),
          () => decodeConnectRequest(buf),
          () => decodeConnectResponse(buf),
        ]) {
          try {
            f();
          } catch (e) {
            expect(e).toBeInstanceOf(JuteDecodeError);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('truncated responses throw JuteDecodeError', () => {
    fc.assert(
      fc.property(response, ([type, body]) => {
        const bytes = encodeReply({ xid: 1, zxid: 1n, err: 0 }, body).subarray(20);
        for (let cut = 0; cut < bytes.length; cut++) {
          if (type === OpCode.addWatch && cut === 0) continue; // an empty addWatch body is tolerated
          expect(() => decodeResponse(type, new JuteReader(bytes.subarray(0, cut)))).toThrow(
            JuteDecodeError,
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
