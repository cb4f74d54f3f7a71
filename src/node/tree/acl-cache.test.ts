import { describe, expect, it } from 'vitest';
import type { ACL } from '../proto/types.js';
import { fixupAcl } from './acl.js';
import { AclCache, OPEN_ACL_INDEX } from './acl-cache.js';

const world = { scheme: 'world', id: 'anyone' };

describe('AclCache', () => {
  it('gives a shared frozen list and an equal list of fresh objects the same index', () => {
    const cache = new AclCache();
    const shared = fixupAcl([{ perms: 31, id: { ...world } }], []).acl!;
    const first = cache.convert(shared);
    expect(cache.convert(shared)).toBe(first);
    expect(cache.convert([{ perms: 31, id: { ...world } }])).toBe(first);
    expect(cache.convert([{ perms: 1, id: { ...world } }])).not.toBe(first);
    expect(cache.get(first)).toEqual([{ perms: 31, id: world }]);
    expect(cache.convert(null)).toBe(OPEN_ACL_INDEX);
  });

  it('does not remember the key of a list whose entries can still change', () => {
    const cache = new AclCache();
    const entry: ACL = { perms: 31, id: { ...world } };
    const list = Object.freeze([entry]) as ACL[];
    const before = cache.convert(list);
    entry.perms = 1;
    const after = cache.convert(list);
    expect(after).not.toBe(before);
    expect(cache.get(after)).toEqual([{ perms: 1, id: world }]);
  });
});
