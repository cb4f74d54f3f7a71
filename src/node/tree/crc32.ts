import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE, as java.util.zip.CRC32): node:zlib's native crc32 where the runtime has it
 * (Node ≥ 20.15), a table-driven one otherwise. Both continue from `crc` the same way.
 */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const table = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continues a CRC over more bytes; start with crc = 0. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  return nativeCrc32 ? nativeCrc32(bytes, crc) : tableCrc32(bytes, crc);
}

/** The portable implementation (exported so tests hold it to the native one). */
export function tableCrc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
