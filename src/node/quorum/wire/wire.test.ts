import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JuteDecodeError } from '../../proto/jute.js';
import { OpCode } from '../../proto/opcodes.js';
import type { LoggedTxn } from '../../proto/types.js';
import {
  decodeInitiationHeader,
  ElectionHeaderError,
  encodeInitiationHeader,
} from './election-header.js';
import { decodeNotification, encodeNotification, PeerState } from './notification.js';
import * as d from './packet-data.js';
import { decodeQuorumPacket, encodeQuorumPacket, PacketType } from './quorum-packet.js';
import { counterOf, epochOf, isEpochStart, makeZxid } from './zxid.js';

describe('zxid', () => {
  it('packs epoch and counter', () => {
    expect(makeZxid(1, 2)).toBe(0x1_0000_0002n);
    expect(epochOf(0x5_0000_0007n)).toBe(5);
    expect(counterOf(0x5_ffff_ffffn)).toBe(0xffffffff);
    expect(isEpochStart(makeZxid(3, 0))).toBe(true);
  });
});

describe('election initiation header (§1.1)', () => {
  it('V1 bytes: version -65536, sid, length, address', () => {
    const b = encodeInitiationHeader({ protocol: 'v1', sid: 3n, addresses: ['10.0.0.3:3888'] });
    expect(b.subarray(0, 8).toString('hex')).toBe('ffffffffffff0000');
    expect(b.readBigInt64BE(8)).toBe(3n);
    expect(b.readInt32BE(16)).toBe(13);
    expect(b.toString('utf8', 20)).toBe('10.0.0.3:3888');
  });

  it('V2 joins addresses with | and is version -65535', () => {
    const b = encodeInitiationHeader({ protocol: 'v2', sid: 7n, addresses: ['a:1', '[::1]:2'] });
    expect(b.subarray(0, 8).toString('hex')).toBe('ffffffffffff0001');
    expect(decodeInitiationHeader(b)).toEqual({
      kind: 'done',
      header: { protocol: 'v2', sid: 7n, addresses: ['a:1', '[::1]:2'] },
      consumed: b.length,
    });
  });

  it('reads the pre-3.5 form: a bare non-negative sid', () => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(9n);
    expect(decodeInitiationHeader(b)).toEqual({
      kind: 'done',
      header: { protocol: 'legacy', sid: 9n, addresses: [] },
      consumed: 8,
    });
  });

  it('asks for more bytes while incomplete', () => {
    const b = encodeInitiationHeader({ protocol: 'v1', sid: 1n, addresses: ['h:1'] });
    expect(decodeInitiationHeader(b.subarray(0, 5))).toEqual({ kind: 'need', bytes: 3 });
    expect(decodeInitiationHeader(b.subarray(0, 12))).toEqual({ kind: 'need', bytes: 8 });
    expect(decodeInitiationHeader(b.subarray(0, 21))).toEqual({ kind: 'need', bytes: 2 });
  });

  it('drops wildcard addresses and rejects bad versions and lengths', () => {
    const b = encodeInitiationHeader({ protocol: 'v2', sid: 1n, addresses: ['0.0.0.0:1', 'x:2'] });
    const parsed = decodeInitiationHeader(b);
    expect(parsed.kind === 'done' && parsed.header.addresses).toEqual(['x:2']);
    const bad = Buffer.alloc(20);
    bad.writeBigInt64BE(-5n);
    expect(() => decodeInitiationHeader(bad)).toThrow(ElectionHeaderError);
    const long = Buffer.alloc(20);
    long.writeBigInt64BE(-65536n);
    long.writeInt32BE(2049, 16);
    expect(() => decodeInitiationHeader(long)).toThrow(ElectionHeaderError);
  });
});

describe('FLE notification (§2.1)', () => {
  const config = 'server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181\nversion=0';
  it('version 2 layout with config block', () => {
    const b = encodeNotification({
      state: PeerState.LOOKING,
      leader: 1n,
      zxid: 0x100000005n,
      electionEpoch: 4n,
      peerEpoch: 1n,
      config,
    });
    expect(b.length).toBe(44 + config.length);
    expect(b.readInt32BE(0)).toBe(0);
    expect(b.readBigInt64BE(4)).toBe(1n);
    expect(b.readBigInt64BE(12)).toBe(0x100000005n);
    expect(b.readBigInt64BE(20)).toBe(4n);
    expect(b.readBigInt64BE(28)).toBe(1n);
    expect(b.readInt32BE(36)).toBe(2);
    expect(b.readInt32BE(40)).toBe(config.length);
    expect(decodeNotification(b)?.config).toBe(config);
  });

  it('accepts the 28- and 40-byte layouts, drops 36 bytes and bad states', () => {
    const full = encodeNotification({
      state: PeerState.LEADING,
      leader: 2n,
      zxid: 0x300000001n,
      electionEpoch: 1n,
      peerEpoch: 7n,
      config: '',
    });
    expect(decodeNotification(full.subarray(0, 28))).toMatchObject({
      peerEpoch: 3n,
      version: 0,
      config: null,
    });
    expect(decodeNotification(full.subarray(0, 40))).toMatchObject({ peerEpoch: 7n, version: 0 });
    expect(decodeNotification(full.subarray(0, 36))).toBeNull();
    expect(decodeNotification(full.subarray(0, 20))).toBeNull();
    const bad = Buffer.from(full);
    bad.writeInt32BE(4, 0);
    expect(decodeNotification(bad)).toBeNull();
    const badLen = Buffer.from(full);
    badLen.writeInt32BE(99, 40);
    expect(decodeNotification(badLen)).toBeNull();
  });

  it('round-trips', () => {
    const big = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        big,
        big,
        big,
        big,
        fc.string(),
        (state, leader, zxid, electionEpoch, peerEpoch, cfg) => {
          const n = { state, leader, zxid, electionEpoch, peerEpoch, config: cfg };
          expect(decodeNotification(encodeNotification(n))).toEqual({ ...n, version: 2 });
        },
      ),
    );
  });
});

const txn: LoggedTxn = {
  header: {
    clientId: 0x100n,
    cxid: 3,
    zxid: 0x100000001n,
    time: 1_700_000_000_000,
    type: OpCode.setData,
  },
  txn: { type: OpCode.setData, path: '/a', data: Buffer.from('x'), version: 1 },
};

describe('QuorumPacket (§3)', () => {
  it('bytes: type, zxid, buffer, vector<Id>', () => {
    const b = encodeQuorumPacket({
      type: PacketType.ACK,
      zxid: 0x100000001n,
      data: null,
      authinfo: null,
    });
    expect(b.toString('hex')).toBe('00000003' + '0000000100000001' + 'ffffffff' + 'ffffffff');
    const withAuth = encodeQuorumPacket({
      type: 1,
      zxid: -1n,
      data: Buffer.from([9]),
      authinfo: [{ scheme: 'ip', id: '1' }],
    });
    expect(withAuth.toString('hex')).toBe(
      '00000001' +
        'ffffffffffffffff' +
        '0000000109' +
        '00000001' +
        '00000002' +
        Buffer.from('ip').toString('hex') +
        '00000001' +
        '31',
    );
  });

  it('stream decoding: null until complete, back-to-back packets', () => {
    const a = encodeQuorumPacket({
      type: PacketType.PROPOSAL,
      zxid: 5n,
      data: d.encodeProposalData(txn),
      authinfo: null,
    });
    const b = encodeQuorumPacket({ type: PacketType.COMMIT, zxid: 5n, data: null, authinfo: [] });
    const both = Buffer.concat([a, b]);
    for (let i = 0; i < a.length; i++) expect(decodeQuorumPacket(both.subarray(0, i))).toBeNull();
    const first = decodeQuorumPacket(both);
    expect(first?.next).toBe(a.length);
    expect(d.decodeProposalData(first!.packet.data)).toEqual(txn);
    expect(decodeQuorumPacket(both, a.length)?.packet).toEqual({
      type: 4,
      zxid: 5n,
      data: null,
      authinfo: [],
    });
  });

  it('rejects impossible lengths', () => {
    const b = Buffer.alloc(16);
    b.writeInt32BE(-2, 12);
    expect(() => decodeQuorumPacket(b)).toThrow(JuteDecodeError);
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 19 }),
        fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n),
        fc.option(fc.uint8Array({ maxLength: 64 })),
        fc.option(fc.array(fc.record({ scheme: fc.string(), id: fc.string() }), { maxLength: 3 })),
        (type, zxid, data, authinfo) => {
          const p = { type, zxid, data: data === null ? null : Buffer.from(data), authinfo };
          const enc = encodeQuorumPacket(p);
          expect(decodeQuorumPacket(enc)).toEqual({ packet: p, next: enc.length });
        },
      ),
    );
  });
});

describe('packet data layouts', () => {
  it('LearnerInfo is sid, protocol version, config version (20 bytes), read positionally', () => {
    const b = d.encodeLearnerInfo({
      sid: 2n,
      protocolVersion: 0x10000,
      configVersion: 0x100000000n,
    });
    expect(b.toString('hex')).toBe('0000000000000002' + '00010000' + '0000000100000000');
    expect(d.decodeLearnerInfo(b.subarray(0, 8))).toEqual({
      sid: 2n,
      protocolVersion: 0,
      configVersion: 0n,
    });
    expect(() => d.decodeLearnerInfo(Buffer.alloc(4))).toThrow(JuteDecodeError);
  });

  it('LEADERINFO and ACKEPOCH are one int', () => {
    expect(d.encodeLeaderInfo().toString('hex')).toBe('00010000');
    expect(d.decodeAckEpoch(d.encodeAckEpoch(-1))).toBe(-1);
  });

  it('PING session table, REVALIDATE both ways, REQUEST, activate packets', () => {
    const sessions = [{ sessionId: 0x0100000000000001n, timeoutMs: 4000 }];
    expect(d.encodePingSessions(sessions).toString('hex')).toBe('0100000000000001' + '00000fa0');
    expect(d.decodePingSessions(d.encodePingSessions(sessions))).toEqual(sessions);
    expect(d.decodePingSessions(null)).toEqual([]);
    expect(() => d.decodePingSessions(Buffer.alloc(5))).toThrow(JuteDecodeError);
    expect(d.decodeRevalidateRequest(d.encodeRevalidateRequest(7n, 30000))).toEqual({
      sessionId: 7n,
      timeoutMs: 30000,
    });
    expect(d.encodeRevalidateReply(7n, true).toString('hex')).toBe('000000000000000701');
    expect(d.decodeRevalidateReply(d.encodeRevalidateReply(7n, false))).toEqual({
      sessionId: 7n,
      valid: false,
    });
    const req = {
      sessionId: 5n,
      cxid: 2,
      opType: OpCode.createSession,
      body: Buffer.from('00007530', 'hex'),
    };
    expect(d.encodeForwardedRequest(req).toString('hex')).toBe(
      '0000000000000005' + '00000002' + 'fffffff6' + '00007530',
    );
    expect(d.decodeForwardedRequest(d.encodeForwardedRequest(req))).toEqual(req);
    expect(d.decodeCommitAndActivate(d.encodeCommitAndActivate(3n))).toBe(3n);
    expect(d.decodeInformAndActivate(d.encodeInformAndActivate(3n, txn))).toEqual({
      designatedLeader: 3n,
      txn,
    });
    expect(d.decodeNewLeaderConfig(d.encodeNewLeaderConfig('version=0'))).toBe('version=0');
  });
});
