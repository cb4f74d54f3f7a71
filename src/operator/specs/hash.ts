/**
 * FNV-1a, 64 bit, as 16 hex digits. A change detector for the pod template annotation, not a
 * security measure; pure (no node:crypto) so specs/ stays replayable.
 */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * prime) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}
