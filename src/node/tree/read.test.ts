import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../proto/errors.js';
import { OpCode } from '../proto/opcodes.js';
import type { ACL, Id } from '../proto/types.js';
import { Harness } from '../txn/harness.js';
import { digestOf } from './acl.js';

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const bob: Id = { scheme: 'digest', id: digestOf('bob', 'pw') };
const ipId: Id = { scheme: 'ip', id: '127.0.0.1' };
const pw = (type: 3 | 4 | 8 | 12, path: string, watch = true) =>
  ({ type, request: { path, watch } }) as never;
const p = (type: 6 | 9 | 104, path: string) => ({ type, request: { path } }) as never;

function setup(): Harness {
  const h = new Harness();
  const c = (path: string, acl: ACL[], flags = 0, sessionId = 1n) =>
    h.write(
      { type: OpCode.create, request: { path, data: Buffer.from('v'), acl, flags } },
      { authIds: [bob], sessionId },
    );
  c('/open', OPEN);
  c('/open/kid', OPEN);
  c('/secret', [{ perms: 31, id: bob }]);
  c('/adminonly', [
    { perms: 16, id: { scheme: 'world', id: 'anyone' } },
    { perms: 1, id: bob },
  ]);
  c('/readonly', [
    { perms: 1, id: { scheme: 'world', id: 'anyone' } },
    { perms: 31, id: bob },
  ]);
  c('/e1', OPEN, 1, 7n);
  c('/open/e2', OPEN, 1, 7n);
  c('/e3', OPEN, 1, 8n);
  return h;
}

describe('exists', () => {
  it('missing: -101 but a data watch; NUL: -8; existing without READ: -102 and no watch', () => {
    const h = setup();
    expect(h.read(pw(3, '/nope'))).toEqual({
      err: ErrorCode.noNode,
      response: null,
      watch: { path: '/nope', kind: 'data' },
      watches: [{ path: '/nope', kind: 'data' }],
    });
    expect(h.read(pw(3, '/no\0pe'))).toEqual({ err: ErrorCode.badArguments, response: null });
    expect(h.read(pw(3, '/secret'))).toEqual({ err: ErrorCode.noAuth, response: null });
    const ok = h.read(pw(3, '/open'));
    expect(ok.response).toMatchObject({ kind: 'stat', stat: { numChildren: 2, dataLength: 1 } });
    expect(ok.watch).toEqual({ path: '/open', kind: 'data' });
    expect(h.read(pw(3, '/open', false)).watch).toBeUndefined();
    expect(h.read(pw(3, '')).err).toBe(0);
  });
});

describe('getData / getChildren', () => {
  it('missing → -101 without watch; no READ → -102 without watch; ok registers', () => {
    const h = setup();
    for (const t of [4, 8, 12] as const) {
      expect(h.read(pw(t, '/nope'))).toEqual({ err: ErrorCode.noNode, response: null });
      expect(h.read(pw(t, '/secret'))).toEqual({ err: ErrorCode.noAuth, response: null });
      expect(h.read(pw(t, '/secret'), [bob]).err).toBe(0);
    }
    expect(h.read(pw(4, '/open')).watch).toEqual({ path: '/open', kind: 'data' });
    expect(h.read(pw(8, '/open')).watch).toEqual({ path: '/open', kind: 'child' });
    expect(h.read(pw(8, '/open')).response).toEqual({
      kind: 'getChildren',
      children: ['kid', 'e2'],
    });
    expect(h.read(pw(12, '/')).response).toMatchObject({
      kind: 'getChildren2',
      stat: { numChildren: 7 },
    });
    expect((h.read(pw(8, '/')).response as { children: string[] }).children).toContain('zookeeper');
    expect(h.read(pw(4, '/open')).response).toMatchObject({
      kind: 'getData',
      data: Buffer.from('v'),
    });
  });
  it('a bad path is just not found', () => {
    const h = setup();
    expect(h.read(pw(4, 'open')).err).toBe(ErrorCode.noNode);
    expect(h.read(pw(4, '/open/')).err).toBe(ErrorCode.noNode);
  });
});

describe('getACL', () => {
  it('-101, -102 without READ and ADMIN, redacted without ADMIN, full with ADMIN', () => {
    const h = setup();
    expect(h.read(p(6, '/nope')).err).toBe(ErrorCode.noNode);
    expect(h.read(p(6, '/secret')).err).toBe(ErrorCode.noAuth);
    const [user] = bob.id.split(':');
    expect(h.read(p(6, '/readonly')).response).toMatchObject({
      kind: 'getACL',
      acl: [
        { perms: 1, id: { scheme: 'world', id: 'anyone' } },
        { perms: 31, id: { scheme: 'digest', id: `${user}:x` } },
      ],
    });
    expect(h.read(p(6, '/readonly'), [bob]).response).toMatchObject({
      acl: [{ perms: 1 }, { perms: 31, id: bob }],
    });
    expect(h.read(p(6, '/adminonly')).response).toMatchObject({
      acl: [{ perms: 16 }, { perms: 1, id: bob }],
    });
    expect(h.read(p(6, '/zookeeper/config')).response).toMatchObject({ stat: { aversion: -1 } });
  });
});

describe('other reads', () => {
  it('getAllChildrenNumber counts descendants; READ required', () => {
    const h = setup();
    expect(h.read(p(104, '/')).response).toEqual({ kind: 'allChildrenNumber', totalNumber: 11 });
    expect(h.read(p(104, '/open')).response).toEqual({ kind: 'allChildrenNumber', totalNumber: 2 });
    expect(h.read(p(104, '/secret')).err).toBe(ErrorCode.noAuth);
    expect(h.read(p(104, '/nope')).err).toBe(ErrorCode.noNode);
  });
  it('getEphemerals: own session only; prefix string match; null/blank/"/" = all', () => {
    const h = setup();
    const ge = (prefixPath: string | null, sid: bigint) =>
      (
        h.read({ type: OpCode.getEphemerals, request: { prefixPath } }, [ipId], sid).response as {
          ephemerals: string[];
        }
      ).ephemerals.sort();
    expect(ge(null, 7n)).toEqual(['/e1', '/open/e2']);
    expect(ge('  ', 7n)).toEqual(['/e1', '/open/e2']);
    expect(ge('/', 7n)).toEqual(['/e1', '/open/e2']);
    expect(ge('/op', 7n)).toEqual(['/open/e2']);
    expect(ge('/e', 8n)).toEqual(['/e3']);
    expect(ge(null, 99n)).toEqual([]);
  });
  it('multiRead: independent results, error entries, watches honoured', () => {
    const h = setup();
    const r = h.read({
      type: OpCode.multiRead,
      request: {
        ops: [
          { type: OpCode.getData, request: { path: '/open', watch: true } },
          { type: OpCode.getChildren, request: { path: '/nope', watch: true } },
          { type: OpCode.getChildren, request: { path: '/open', watch: false } },
          { type: OpCode.getData, request: { path: '/secret', watch: false } },
        ],
      },
    });
    expect(r.err).toBe(0);
    expect(r.response).toMatchObject({
      kind: 'multi',
      results: [
        { type: 4, data: Buffer.from('v') },
        { type: -1, err: -101 },
        { type: 8, children: ['kid', 'e2'] },
        { type: -1, err: -102 },
      ],
    });
    expect(r.watches).toEqual([{ path: '/open', kind: 'data' }]);
  });
  it('sync echoes; whoAmI lists auth ids', () => {
    const h = setup();
    expect(h.read(p(9, '/whatever'))).toEqual({
      err: 0,
      response: { kind: 'path', path: '/whatever' },
    });
    expect(h.read({ type: OpCode.whoAmI, request: null }, [ipId, bob]).response).toEqual({
      kind: 'whoAmI',
      clientInfo: [
        { authScheme: 'ip', user: '127.0.0.1' },
        { authScheme: 'digest', user: 'bob' },
      ],
    });
  });
});
