/** ACL checks, digest ids, fix-up and redaction (client-protocol.md §11). */
import { ErrorCode } from '../proto/errors.js';
import { Perms } from '../proto/opcodes.js';
import type { ACL, Id } from '../proto/types.js';
import { sha1 } from './sha1.js';

export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([
  { perms: Perms.all, id: { scheme: 'world', id: 'anyone' } },
]);
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([
  { perms: Perms.read, id: { scheme: 'world', id: 'anyone' } },
]);

/** `user:password` → `user:BASE64(SHA1(user:password))` (DigestAuthenticationProvider.generateDigest). */
export function digestAuthId(userPassword: string): string {
  const colon = userPassword.indexOf(':');
  const user = colon < 0 ? userPassword : userPassword.slice(0, colon);
  return `${user}:${sha1(Buffer.from(userPassword, 'utf8')).toString('base64')}`;
}

/** Same as digestAuthId with user and password apart. */
export function digestOf(user: string, password: string): string {
  return digestAuthId(`${user}:${password}`);
}

function ipv4Bytes(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out.push(v);
  }
  return out;
}

function ipv6Bytes(s: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const items = h.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = ipv4Bytes(g);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    all = head;
  }
  if (all.length !== 8) return null;
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** IPv4 first, then IPv6 (IPAuthenticationProvider.addr2Bytes); v4-mapped v6 is read as v4. */
export function ipBytes(addr: string): number[] | null {
  const v4 = ipv4Bytes(addr);
  if (v4) return v4;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) return ipv4Bytes(mapped[1]!);
  const bracket = /^\[(.*)\]$/.exec(addr);
  return ipv6Bytes(bracket ? bracket[1]! : addr);
}

function parseIpExpr(expr: string): { bytes: number[]; bits: number } | null {
  const slash = expr.indexOf('/');
  const bytes = ipBytes(slash < 0 ? expr : expr.slice(0, slash));
  if (!bytes) return null;
  let bits = bytes.length * 8;
  if (slash >= 0) {
    const b = expr.slice(slash + 1);
    if (!/^[+-]?\d+$/.test(b)) return null;
    bits = Number(b);
    if (bits < 0 || bits > bytes.length * 8) return null;
  }
  return { bytes, bits };
}

/** Does the client address `addr` fall in the ACL expression `a.b.c.d[/bits]` (or IPv6)? */
export function ipMatches(addr: string, expr: string): boolean {
  const acl = parseIpExpr(expr);
  const client = ipBytes(addr);
  if (!acl || !client || client.length !== acl.bytes.length) return false;
  for (let i = 0; i < acl.bits; i++) {
    const mask = 0x80 >> (i % 8);
    if ((client[i >> 3]! & mask) !== (acl.bytes[i >> 3]! & mask)) return false;
  }
  return true;
}

function providerMatches(scheme: string, authId: string, aclId: string): boolean {
  if (scheme === 'digest') return authId === aclId;
  if (scheme === 'ip') return ipMatches(authId, aclId);
  return false;
}

/** ZooKeeperServer.checkACL: true when `perm` is granted to any of `authIds`. */
export function checkPerm(
  acl: readonly ACL[] | null | undefined,
  perm: number,
  authIds: readonly Id[],
): boolean {
  if (!acl || acl.length === 0) return true;
  if (authIds.some((a) => a.scheme === 'super')) return true;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    if (a.id.scheme === 'world' && a.id.id === 'anyone') return true;
    for (const auth of authIds) {
      if (auth.scheme === a.id.scheme && providerMatches(auth.scheme, auth.id, a.id.id))
        return true;
    }
  }
  return false;
}

export function canRead(acl: readonly ACL[] | null | undefined, authIds: readonly Id[]): boolean {
  return checkPerm(acl, Perms.read, authIds);
}

function isValidId(scheme: string, id: string): boolean {
  if (scheme === 'digest') {
    // Java String.split(":") drops trailing empty parts; exactly two parts must remain.
    const parts = id.split(':');
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    return parts.length === 2;
  }
  if (scheme === 'ip') return parseIpExpr(id) !== null;
  return false;
}

/** Providers whose ids count as "authenticated" for `auth` expansion. */
function isAuthenticatedScheme(scheme: string): boolean {
  return scheme === 'digest';
}

const INVALID_ACL = Object.freeze({ err: ErrorCode.invalidAcl, acl: null });
/**
 * fixupAcl's answer for a lone world:anyone entry, by perms (the five valid bits only, so a
 * client cannot grow the table): nearly every create carries that list, and building a fresh
 * copy of it per request was a tenth of a server's allocations under creates. Frozen, so a
 * caller that tried to change a shared list would throw.
 */
const worldAnyoneFixed = new Map<number, { err: 0; acl: ACL[] }>();

function worldAnyone(perms: number): { err: 0; acl: ACL[] } {
  let fixed = worldAnyoneFixed.get(perms);
  if (fixed === undefined) {
    const acl = Object.freeze([
      Object.freeze({ perms, id: Object.freeze({ scheme: 'world', id: 'anyone' }) }),
    ]) as ACL[];
    fixed = Object.freeze({ err: 0, acl });
    worldAnyoneFixed.set(perms, fixed);
  }
  return fixed;
}

/** PrepRequestProcessor.fixupACL: dedupe, expand `auth`, validate. */
export function fixupAcl(
  acl: readonly ACL[] | null,
  authIds: readonly Id[],
): { err: 0; acl: ACL[] } | { err: number; acl: null } {
  const invalid = INVALID_ACL;
  if (!acl) return invalid;
  if (acl.length === 1) {
    const only = acl[0]!;
    const id = only.id as Id | null | undefined;
    if (id?.scheme === 'world' && id.id === 'anyone' && (only.perms & ~Perms.all) === 0)
      return worldAnyone(only.perms);
  }
  const unique: ACL[] = [];
  for (const a of acl) {
    if (
      !unique.some(
        (u) => u.perms === a.perms && u.id?.scheme === a.id?.scheme && u.id?.id === a.id?.id,
      )
    )
      unique.push(a);
  }
  if (unique.length === 0) return invalid;
  const out: ACL[] = [];
  for (const a of unique) {
    const id = a.id as Id | null | undefined;
    if (!id || id.scheme === null || id.scheme === undefined) return invalid;
    if (id.scheme === 'world' && id.id === 'anyone') {
      out.push({ perms: a.perms, id: { scheme: id.scheme, id: id.id } });
    } else if (id.scheme === 'auth') {
      let any = false;
      for (const cid of authIds) {
        if (isAuthenticatedScheme(cid.scheme)) {
          any = true;
          out.push({ perms: a.perms, id: { scheme: cid.scheme, id: cid.id } });
        }
      }
      if (!any) return invalid;
    } else {
      if (id.id === null || id.id === undefined || !isValidId(id.scheme, id.id)) return invalid;
      out.push({ perms: a.perms, id: { scheme: id.scheme, id: id.id } });
    }
  }
  return { err: 0, acl: out };
}

/** getACL without ADMIN: digest ids lose everything after the first ':' (`user:x`). */
export function redactAcl(acl: readonly ACL[]): ACL[] {
  return acl.map((a) =>
    a.id.scheme === 'digest'
      ? { perms: a.perms, id: { scheme: 'digest', id: a.id.id.replace(/:.*/, ':x') } }
      : a,
  );
}

export function aclEquals(a: readonly ACL[], b: readonly ACL[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (x, i) =>
        x.perms === b[i]!.perms && x.id.scheme === b[i]!.id.scheme && x.id.id === b[i]!.id.id,
    )
  );
}
