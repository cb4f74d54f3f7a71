/** ReferenceCountedACLCache: each distinct ACL list stored once under a long index. */
import type { ACL } from '../proto/types.js';
import { OPEN_ACL_UNSAFE } from './acl.js';

/** The index that means OPEN_ACL_UNSAFE without a map entry (built-in nodes). */
export const OPEN_ACL_INDEX = -1n;

/** Keys of lists frozen all the way down (fixupAcl's shared world:anyone lists): they cannot change. */
const frozenKeys = new WeakMap<readonly ACL[], string>();

function keyOf(acl: readonly ACL[]): string {
  const known = frozenKeys.get(acl);
  if (known !== undefined) return known;
  const key = keyOfEntries(acl);
  if (Object.isFrozen(acl) && acl.every((a) => Object.isFrozen(a) && Object.isFrozen(a.id)))
    frozenKeys.set(acl, key);
  return key;
}

/** Length-prefixed, so no scheme or id text can make two lists look alike. */
function keyOfEntries(acl: readonly ACL[]): string {
  let key = '';
  for (const a of acl)
    key += `${a.perms}:${a.id.scheme.length}:${a.id.scheme}${a.id.id.length}:${a.id.id};`;
  return key;
}

export class AclCache {
  private readonly byIndex = new Map<bigint, { acl: ACL[]; refs: number }>();
  private readonly byKey = new Map<string, bigint>();
  private nextIndex = 1n;

  /** Index for `acl` (null → -1), counting one more use. */
  convert(acl: readonly ACL[] | null): bigint {
    if (acl === null) return OPEN_ACL_INDEX;
    const key = keyOf(acl);
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.nextIndex++;
      this.byKey.set(key, index);
      this.byIndex.set(index, {
        acl: acl.map((a) => ({ perms: a.perms, id: { ...a.id } })),
        refs: 0,
      });
    }
    this.byIndex.get(index)!.refs++;
    return index;
  }

  get(index: bigint): ACL[] {
    if (index === OPEN_ACL_INDEX) return OPEN_ACL_UNSAFE as ACL[];
    const e = this.byIndex.get(index);
    if (!e) throw new Error(`ACL index ${index} missing from the ACL cache`);
    return e.acl;
  }

  has(index: bigint): boolean {
    return index === OPEN_ACL_INDEX || this.byIndex.has(index);
  }

  addUsage(index: bigint, uses = 1): void {
    if (index === OPEN_ACL_INDEX) return;
    const e = this.byIndex.get(index);
    if (e) e.refs += uses;
  }

  removeUsage(index: bigint): void {
    if (index === OPEN_ACL_INDEX) return;
    const e = this.byIndex.get(index);
    if (!e) return;
    e.refs--;
    if (e.refs <= 0) {
      this.byIndex.delete(index);
      this.byKey.delete(keyOf(e.acl));
    }
  }

  /** Loads one snapshot entry with no uses yet; later indexes continue after the highest. */
  load(index: bigint, acl: ACL[]): void {
    this.byIndex.set(index, { acl, refs: 0 });
    this.byKey.set(keyOf(acl), index);
    if (index >= this.nextIndex) this.nextIndex = index + 1n;
  }

  purgeUnused(): void {
    for (const [index, e] of this.byIndex) {
      if (e.refs <= 0) {
        this.byIndex.delete(index);
        this.byKey.delete(keyOf(e.acl));
      }
    }
  }

  entries(): Map<bigint, ACL[]> {
    return new Map([...this.byIndex].map(([i, e]) => [i, e.acl]));
  }

  size(): number {
    return this.byIndex.size;
  }
}
