/**
 * Election-port connection-initiation header (quorum-protocol.md §1.1). The decoder is
 * incremental: sockets deliver bytes in pieces, so it says how many bytes it still needs.
 */
import { limits } from '../../../shared/limits.js';

export const ELECTION_PROTOCOL_V1 = -65536n;
export const ELECTION_PROTOCOL_V2 = -65535n;

export interface InitiationHeader {
  /** V1 (one address), V2 (`|`-joined addresses) or 'legacy' (pre-3.5: bare sid, no address). */
  protocol: 'v1' | 'v2' | 'legacy';
  sid: bigint;
  /** `host:port` entries; empty for legacy headers. */
  addresses: string[];
}

export class ElectionHeaderError extends Error {
  override name = 'ElectionHeaderError';
}

/** One buffer, to be sent in a single write (the Java acceptor reads the address in one read()). */
export function encodeInitiationHeader(h: InitiationHeader): Buffer {
  if (h.protocol === 'legacy') {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(h.sid, 0);
    return b;
  }
  if (h.protocol === 'v1' && h.addresses.length !== 1) {
    throw new ElectionHeaderError('a V1 header carries exactly one address');
  }
  const addr = Buffer.from(h.addresses.join('|'), 'utf8');
  if (addr.length < 1 || addr.length > limits.electionHeaderMaxAddressBytes) {
    throw new ElectionHeaderError(
      `address length ${addr.length} outside 1..${limits.electionHeaderMaxAddressBytes}`,
    );
  }
  const b = Buffer.alloc(20 + addr.length);
  b.writeBigInt64BE(h.protocol === 'v1' ? ELECTION_PROTOCOL_V1 : ELECTION_PROTOCOL_V2, 0);
  b.writeBigInt64BE(h.sid, 8);
  b.writeInt32BE(addr.length, 16);
  addr.copy(b, 20);
  return b;
}

export type HeaderParse =
  { kind: 'need'; bytes: number } | { kind: 'done'; header: InitiationHeader; consumed: number };

/** Parses a header from the start of `buf`; throws ElectionHeaderError on a header to reject. */
export function decodeInitiationHeader(buf: Buffer): HeaderParse {
  if (buf.length < 8) return { kind: 'need', bytes: 8 - buf.length };
  const first = buf.readBigInt64BE(0);
  if (first >= 0n) {
    return { kind: 'done', header: { protocol: 'legacy', sid: first, addresses: [] }, consumed: 8 };
  }
  if (first !== ELECTION_PROTOCOL_V1 && first !== ELECTION_PROTOCOL_V2) {
    throw new ElectionHeaderError(`unknown election protocol version ${first}`);
  }
  if (buf.length < 20) return { kind: 'need', bytes: 20 - buf.length };
  const sid = buf.readBigInt64BE(8);
  const len = buf.readInt32BE(16);
  if (len < 1 || len > limits.electionHeaderMaxAddressBytes) {
    throw new ElectionHeaderError(`unreasonable address length ${len}`);
  }
  if (buf.length < 20 + len) return { kind: 'need', bytes: 20 + len - buf.length };
  const text = buf.toString('utf8', 20, 20 + len);
  const addresses = text.split('|').filter((a) => !isWildcard(a));
  for (const a of addresses) {
    if (!/^(\[[^\]]+\]|[^:[\]]+):\d{1,5}$/.test(a))
      throw new ElectionHeaderError(`bad address ${JSON.stringify(a)}`);
  }
  return {
    kind: 'done',
    header: { protocol: first === ELECTION_PROTOCOL_V1 ? 'v1' : 'v2', sid, addresses },
    consumed: 20 + len,
  };
}

function isWildcard(a: string): boolean {
  const host = a.slice(0, a.lastIndexOf(':'));
  return host === '0.0.0.0' || host === '[::]' || host === '::' || host === '[0:0:0:0:0:0:0:0]';
}

/** Frame length accepted after the handshake (§1.3): 1..512 KiB. */
export function isValidElectionFrameLength(len: number): boolean {
  return len > 0 && len <= limits.electionMaxFrameBytes;
}
