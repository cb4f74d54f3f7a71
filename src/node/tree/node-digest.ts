/**
 * digest.ts's per-node digest computed straight from a node's row: the stat bytes are
 * written from the columns into one scratch buffer, so no bigint or Buffer is made per node.
 */
import { crc32 } from './crc32.js';
import { offsetOf, type DataSlab } from './data-slab.js';
import { HI, LO, type NodeTable } from './node-table.js';

const TWO_32 = 4294967296;
/** Nodes under /zookeeper/ are left out of the digest (DigestCalculator). */
const ZK_PREFIX = Buffer.from('/zookeeper/');

export class NodeDigester {
  private readonly stat = Buffer.alloc(60);

  digest(t: NodeTable, slab: DataSlab, id: number): number {
    const path = t.pathBytes(id);
    const n = path.length;
    if (
      n > ZK_PREFIX.length &&
      path.compare(ZK_PREFIX, 0, ZK_PREFIX.length, 0, ZK_PREFIX.length) === 0
    )
      return 0;
    let c = 0;
    if (n > 1) c = crc32(path);
    const len = t.dataLen[id]!;
    if (len > 0) {
      const addr = t.dataAddr[id]!;
      const off = offsetOf(addr);
      c = crc32(slab.chunkOf(addr).subarray(off, off + len), c);
    }
    const b = this.stat;
    const z = t.czxids32;
    // czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner
    b.writeInt32BE(z[id * 2 + HI]!, 0);
    b.writeInt32BE(z[id * 2 + LO]!, 4);
    b.writeInt32BE(t.mzxidWord(id, HI), 8);
    b.writeInt32BE(t.mzxidWord(id, LO), 12);
    b.writeInt32BE(t.pzxidWord(id, HI), 16);
    b.writeInt32BE(t.pzxidWord(id, LO), 20);
    writeLong(b, t.ctimes[id]!, 24);
    writeLong(b, t.mtime(id), 32);
    b.writeInt32BE(t.version(id), 40);
    b.writeInt32BE(t.cversion(id), 44);
    b.writeInt32BE(t.aversion(id), 48);
    const owner = t.owners.get(id);
    if (owner === undefined) b.fill(0, 52, 60);
    else b.writeBigInt64BE(BigInt.asIntN(64, owner), 52);
    return crc32(b, c);
  }
}

/** A ms time as a signed 64-bit big-endian long (exact below 2^53, as stored). */
function writeLong(b: Buffer, v: number, at: number): void {
  const hi = Math.floor(v / TWO_32);
  b.writeInt32BE(hi | 0, at);
  b.writeUInt32BE(v - hi * TWO_32, at + 4);
}
