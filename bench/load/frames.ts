/**
 * Request frames built once with the project's own encoder (src/node/proto) and stamped per
 * request: only the xid (and, for create, a fixed-width counter in the path) changes, so the
 * generator spends its CPU on the network, not on encoding.
 */
import { OpCode } from '../../src/node/proto/opcodes.js';
import { encodeConnectRequest, encodeRequest } from '../../src/node/proto/records.js';
import type { ACL } from '../../src/node/proto/types.js';

export type BenchOp = 'get' | 'set' | 'create' | 'mixed';
/** The standalone bench's default ops. */
export const benchOps: readonly BenchOp[] = ['get', 'set', 'create'];
/** Every op the generator knows; mixed = 90 % get, 10 % set over the same keys. */
export const allBenchOps: readonly BenchOp[] = ['get', 'set', 'create', 'mixed'];
/** Gets per set in the mixed op (9 → 90/10). */
const mixedGetsPerSet = 9;

const openAcl: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
/** Byte offset of the xid in a frame (after the 4-byte length). */
export const xidOffset = 4;
/** Digits of the per-session counter in created paths (enough for 10^10 creates). */
export const createDigits = 10;
/** Byte offset of the path text: length, xid, type, string length. */
const pathOffset = 16;

export interface FrameSet {
  /** Frames to choose from (one per key for get/set; a single template for create). */
  templates: Buffer[];
  /** For create: where the counter digits start in the template; -1 otherwise. */
  counterOffset: number;
}

export function keyPath(root: string, key: number): string {
  return `${root}/k/${key}`;
}

export function buildFrames(
  op: BenchOp,
  opts: { root: string; keys: number; payload: Buffer; sessionTag: string },
): FrameSet {
  const { root, keys, payload } = opts;
  const gets = () =>
    Array.from({ length: keys }, (_, k) =>
      encodeRequest(0, {
        type: OpCode.getData,
        request: { path: keyPath(root, k), watch: false },
      }),
    );
  const sets = () =>
    Array.from({ length: keys }, (_, k) =>
      encodeRequest(0, {
        type: OpCode.setData,
        request: { path: keyPath(root, k), data: payload, version: -1 },
      }),
    );
  switch (op) {
    case 'get':
      return { templates: gets(), counterOffset: -1 };
    case 'set':
      return { templates: sets(), counterOffset: -1 };
    case 'mixed': {
      // Sessions pick a template uniformly at random, so the share of sets is the share of set
      // templates; get frames are shared, not copied.
      const g = gets();
      const templates: Buffer[] = [];
      for (let i = 0; i < mixedGetsPerSet; i++) templates.push(...g);
      templates.push(...sets());
      return { templates, counterOffset: -1 };
    }
    case 'create': {
      const prefix = `${root}/c/${opts.sessionTag}-`;
      const path = prefix + '0'.repeat(createDigits);
      if (Buffer.byteLength(prefix) !== prefix.length)
        throw new Error('create prefix must be ASCII');
      return {
        templates: [
          encodeRequest(0, {
            type: OpCode.create,
            request: { path, data: payload, acl: openAcl, flags: 0 },
          }),
        ],
        counterOffset: pathOffset + prefix.length,
      };
    }
  }
}

export function connectFrame(sessionTimeoutMs: number): Buffer {
  return encodeConnectRequest({
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeOut: sessionTimeoutMs,
    sessionId: 0n,
    passwd: Buffer.alloc(16),
    readOnly: false,
  });
}

export function closeSessionFrame(xid: number): Buffer {
  return encodeRequest(xid, { type: OpCode.closeSession, request: null });
}

/** Writes `n` as zero-padded decimal digits into buf at off. */
export function stampCounter(buf: Buffer, off: number, n: number): void {
  for (let i = createDigits - 1; i >= 0; i--) {
    buf[off + i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}
