import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../proto/errors.js';
import { checkPerm, digestAuthId, digestOf, fixupAcl, ipMatches, redactAcl } from './acl.js';
import { crc32 } from './crc32.js';
import { sha1 } from './sha1.js';

const world = { scheme: 'world', id: 'anyone' };
const ip = (id: string) => ({ scheme: 'ip', id });

describe('sha1 / crc32', () => {
  it('matches FIPS test vectors', () => {
    expect(sha1(Buffer.from('abc')).toString('hex')).toBe(
      'a9993e364706816aba3e25717850c26c9cd0d89d',
    );
    expect(sha1(Buffer.alloc(0)).toString('hex')).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    const long = 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq';
    expect(sha1(Buffer.from(long)).toString('hex')).toBe(
      '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
    );
    expect(sha1(Buffer.alloc(1_000_000, 'a')).toString('hex')).toBe(
      '34aa973cd4c4daa4f61eeb2bdbad27316534016f',
    );
  });
  it('crc32 matches the IEEE check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('6789'), crc32(Buffer.from('12345')))).toBe(0xcbf43926);
  });
});

describe('digest ids (spec §11)', () => {
  it('user:password and super:admin', () => {
    expect(digestOf('user', 'password')).toBe('user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=');
    expect(digestAuthId('super:admin')).toBe('super:xQJmxLMiHGwaqBvst5y6rkB6HQs=');
  });
});

describe('checkPerm', () => {
  const acl = [{ perms: 1, id: { scheme: 'digest', id: 'bob:h' } }];
  it('empty ACL passes, super passes, world matches everyone', () => {
    expect(checkPerm([], 31, [])).toBe(true);
    expect(checkPerm(acl, 1, [{ scheme: 'super', id: '' }])).toBe(true);
    expect(checkPerm([{ perms: 1, id: world }], 1, [])).toBe(true);
    expect(checkPerm([{ perms: 1, id: world }], 2, [])).toBe(false);
  });
  it('digest is exact, perms bits must overlap', () => {
    expect(checkPerm(acl, 1, [{ scheme: 'digest', id: 'bob:h' }])).toBe(true);
    expect(checkPerm(acl, 1, [{ scheme: 'digest', id: 'bob:H' }])).toBe(false);
    expect(checkPerm(acl, 2, [{ scheme: 'digest', id: 'bob:h' }])).toBe(false);
    expect(checkPerm(acl, 1 | 16, [{ scheme: 'digest', id: 'bob:h' }])).toBe(true);
  });
  it('ip with CIDR, IPv4 and IPv6', () => {
    expect(ipMatches('10.1.2.3', '10.1.0.0/16')).toBe(true);
    expect(ipMatches('10.2.2.3', '10.1.0.0/16')).toBe(false);
    expect(ipMatches('10.2.2.3', '10.2.2.3')).toBe(true);
    expect(ipMatches('10.2.2.3', '0.0.0.0/0')).toBe(true);
    expect(ipMatches('::1', '::1')).toBe(true);
    expect(ipMatches('2001:db8::5', '2001:db8::/32')).toBe(true);
    expect(ipMatches('2001:db9::5', '2001:db8::/32')).toBe(false);
    expect(ipMatches('127.0.0.1', '::1')).toBe(false);
    expect(ipMatches('::ffff:127.0.0.1', '127.0.0.0/8')).toBe(true);
    expect(checkPerm([{ perms: 31, id: ip('127.0.0.0/8') }], 1, [ip('127.0.0.1')])).toBe(true);
    expect(checkPerm([{ perms: 31, id: ip('127.0.0.0/8') }], 1, [ip('10.0.0.1')])).toBe(false);
  });
});

describe('fixupAcl', () => {
  const digestAuth = { scheme: 'digest', id: 'u:hash' };
  it('removes exact duplicates, keeps order', () => {
    const r = fixupAcl(
      [
        { perms: 31, id: world },
        { perms: 31, id: world },
        { perms: 1, id: world },
      ],
      [],
    );
    expect(r).toEqual({
      err: 0,
      acl: [
        { perms: 31, id: world },
        { perms: 1, id: world },
      ],
    });
  });
  it('answers a lone world:anyone with one shared, frozen list per perms value', () => {
    const a = fixupAcl([{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], []);
    const b = fixupAcl([{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], []);
    expect(a).toEqual({ err: 0, acl: [{ perms: 31, id: world }] });
    expect(b.acl).toBe(a.acl);
    expect(Object.isFrozen(a.acl) && Object.isFrozen(a.acl![0]!.id)).toBe(true);
    expect(() => a.acl!.push({ perms: 1, id: world })).toThrow(TypeError);
    expect(fixupAcl([{ perms: 1, id: world }], []).acl).toEqual([{ perms: 1, id: world }]);
    // Perms outside the five bits are kept as given, but not in the shared table.
    const odd = fixupAcl([{ perms: 1 << 20, id: world }], []);
    expect(odd.acl).toEqual([{ perms: 1 << 20, id: world }]);
    expect(Object.isFrozen(odd.acl)).toBe(false);
  });
  it('empty/null → -114', () => {
    expect(fixupAcl([], []).err).toBe(ErrorCode.invalidAcl);
    expect(fixupAcl(null, []).err).toBe(ErrorCode.invalidAcl);
  });
  it('auth expands to authenticated (digest) ids only; none → -114', () => {
    expect(
      fixupAcl([{ perms: 31, id: { scheme: 'auth', id: '' } }], [ip('127.0.0.1'), digestAuth]),
    ).toEqual({
      err: 0,
      acl: [{ perms: 31, id: digestAuth }],
    });
    expect(fixupAcl([{ perms: 31, id: { scheme: 'auth', id: '' } }], [ip('127.0.0.1')]).err).toBe(
      ErrorCode.invalidAcl,
    );
    expect(
      fixupAcl([{ perms: 31, id: { scheme: 'auth', id: '' } }], [{ scheme: 'super', id: '' }]).err,
    ).toBe(ErrorCode.invalidAcl);
  });
  it('validates ids per scheme (Java split semantics for digest)', () => {
    const one = (scheme: string, id: string) =>
      fixupAcl([{ perms: 1, id: { scheme, id } }], []).err;
    expect(one('world', 'someone')).toBe(ErrorCode.invalidAcl);
    expect(one('nosuch', 'x')).toBe(ErrorCode.invalidAcl);
    expect(one('digest', 'user:hash')).toBe(0);
    expect(one('digest', ':hash')).toBe(0);
    expect(one('digest', 'user:')).toBe(ErrorCode.invalidAcl);
    expect(one('digest', 'user')).toBe(ErrorCode.invalidAcl);
    expect(one('digest', 'a:b:c')).toBe(ErrorCode.invalidAcl);
    expect(one('ip', '10.0.0.1')).toBe(0);
    expect(one('ip', '10.0.0.0/8')).toBe(0);
    expect(one('ip', '10.0.0.0/33')).toBe(ErrorCode.invalidAcl);
    expect(one('ip', '10.0.0')).toBe(ErrorCode.invalidAcl);
    expect(one('ip', 'fe80::1/64')).toBe(0);
    expect(one('ip', 'host.example')).toBe(ErrorCode.invalidAcl);
    expect(one('super', 'x')).toBe(ErrorCode.invalidAcl);
  });
});

describe('redactAcl', () => {
  it('digest ids become user:x', () => {
    expect(
      redactAcl([
        { perms: 1, id: { scheme: 'digest', id: 'bob:abc:def' } },
        { perms: 1, id: world },
      ]),
    ).toEqual([
      { perms: 1, id: { scheme: 'digest', id: 'bob:x' } },
      { perms: 1, id: world },
    ]);
  });
});
