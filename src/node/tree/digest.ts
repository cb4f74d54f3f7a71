/** Per-node digest of persistence.md §2.4 (DigestCalculator, version 2). */
import type { StatPersisted } from '../proto/types.js';
import { crc32 } from './crc32.js';

export const DIGEST_VERSION = 2;

/** `path` as the tree keys it ("/" for the root). */
export function nodeDigest(path: string, data: Buffer | null, s: StatPersisted): number {
  if (path.startsWith('/zookeeper/')) return 0;
  let c = crc32(Buffer.from(path === '/' ? '' : path, 'utf8'));
  if (data !== null) c = crc32(data, c);
  const b = Buffer.alloc(60);
  b.writeBigInt64BE(BigInt.asIntN(64, s.czxid), 0);
  b.writeBigInt64BE(BigInt.asIntN(64, s.mzxid), 8);
  b.writeBigInt64BE(BigInt.asIntN(64, s.pzxid), 16);
  b.writeBigInt64BE(BigInt(s.ctime), 24);
  b.writeBigInt64BE(BigInt(s.mtime), 32);
  b.writeInt32BE(s.version | 0, 40);
  b.writeInt32BE(s.cversion | 0, 44);
  b.writeInt32BE(s.aversion | 0, 48);
  b.writeBigInt64BE(BigInt.asIntN(64, s.ephemeralOwner), 52);
  return crc32(b, c);
}
