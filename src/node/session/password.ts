import { limits } from '../../shared/limits.js';

/** ZooKeeperServer.superSecret: XORed into the session id to seed the password generator. */
const superSecret = 0xb3415c00n;

const lcgMultiplier = 0x5deece66dn;
const lcgAddend = 0xbn;
const mask48 = (1n << 48n) - 1n;

/**
 * The 16-byte password of a session, derived as Apache does (never stored): java.util.Random
 * seeded with `sessionId ^ superSecret`, then nextBytes(16). Reconnects must present exactly this.
 */
export function sessionPassword(sessionId: bigint): Buffer {
  // new Random(seed) scrambles the seed with the multiplier; only the low 48 bits matter.
  let seed = (sessionId ^ superSecret ^ lcgMultiplier) & mask48;
  const out = Buffer.alloc(limits.sessionPasswordBytes);
  let i = 0;
  while (i < out.length) {
    seed = (seed * lcgMultiplier + lcgAddend) & mask48;
    // next(32): the top 32 of the 48 state bits, as a Java int.
    let word = Number(seed >> 16n);
    for (let n = Math.min(out.length - i, 4); n > 0; n--) {
      out[i++] = word & 0xff;
      word >>>= 8;
    }
  }
  return out;
}
