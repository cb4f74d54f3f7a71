/**
 * The differential operation script as data: a seeded random walk over a small tree by three
 * long-lived sessions, framed by hand-written edge cases that reach every opcode, error path,
 * watch kind and session end. The same script runs against every target.
 */
import { OpCode } from '../../../src/node/proto/opcodes.js';
import type { MultiOp, Request } from '../../../src/node/proto/requests.js';
import type { ACL } from '../../../src/node/proto/types.js';
import { seededRandom, type Random } from '../../../src/shared/prng.js';

export type Step =
  /** Opens session slot `s` (timeout in ms; pings unless told not to). */
  | { kind: 'connect'; s: number; timeoutMs: number; ping?: boolean }
  /** A request on session s; xid overrides the counter (auth -4, setWatches -8). */
  | { kind: 'req'; s: number; req: Request; xid?: number; note?: string }
  /** closeSession, then the connection is gone. */
  | { kind: 'close'; s: number }
  /** Drops the connection without closing; the session expires; waits for the watch on `path` seen by `observer`. */
  | { kind: 'expire'; s: number; observer: number; path: string }
  /** Reattaches session `from`'s id and password on a new connection in slot s. */
  | { kind: 'reattach'; s: number; from: number; timeoutMs: number };

export const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
export const READ_ONLY: ACL[] = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }];
export const CREATOR: ACL[] = [{ perms: 31, id: { scheme: 'auth', id: '' } }];
const data = (s: string) => Buffer.from(s);

const create = (path: string, d = '', flags = 0, acl = OPEN): Request => ({
  type: OpCode.create,
  request: { path, data: data(d), acl, flags },
});
const create2 = (path: string, d = '', flags = 0, acl = OPEN): Request => ({
  type: OpCode.create2,
  request: { path, data: data(d), acl, flags },
});
const pw = (type: 3 | 4 | 8 | 12, path: string, watch = false): Request =>
  ({ type, request: { path, watch } }) as Request;
const setData = (path: string, d: string, version = -1): Request => ({
  type: OpCode.setData,
  request: { path, data: data(d), version },
});
const del = (path: string, version = -1): Request => ({
  type: OpCode.delete,
  request: { path, version },
});
const pathOnly = (type: 6 | 9 | 104, path: string): Request =>
  ({ type, request: { path } }) as Request;

function edgeCasesBefore(): Step[] {
  const r = (s: number, req: Request, note?: string): Step => ({ kind: 'req', s, req, note });
  return [
    { kind: 'connect', s: 0, timeoutMs: 30_000 },
    { kind: 'connect', s: 1, timeoutMs: 30_000 },
    { kind: 'connect', s: 2, timeoutMs: 30_000 },
    // auth (xid -4): session 1 owns digest-protected nodes.
    {
      kind: 'req',
      s: 1,
      xid: -4,
      req: { type: OpCode.auth, request: { type: 0, scheme: 'digest', auth: data('dora:pw') } },
    },
    r(1, { type: OpCode.whoAmI, request: null }),
    r(0, { type: OpCode.whoAmI, request: null }),
    r(0, create('/d', 'root')),
    r(0, create('/d', 'again')),
    r(0, create('bad')),
    r(0, create('/d/')),
    r(0, create('/nope/x')),
    r(0, create2('/d/c2', 'two')),
    r(0, create('/d/seq-', 's', 2)),
    r(0, create2('/d/seq-', 's', 2)),
    r(1, create('/d/eph', 'e', 1)),
    r(1, create('/d/eph/kid', 'k')),
    r(1, create('/d/ephseq-', 'e', 3)),
    r(0, {
      type: OpCode.createContainer,
      request: { path: '/cont', data: data('c'), acl: OPEN, flags: 4 },
    }),
    r(0, {
      type: OpCode.createContainer,
      request: { path: '/cont2', data: data('c'), acl: OPEN, flags: 0 },
    }),
    r(0, {
      type: OpCode.createTTL,
      request: { path: '/ttl', data: data('t'), acl: OPEN, flags: 5, ttl: 60_000 },
    }),
    r(0, {
      type: OpCode.createTTL,
      request: { path: '/ttl-seq-', data: data('t'), acl: OPEN, flags: 6, ttl: 60_000 },
    }),
    r(0, {
      type: OpCode.createTTL,
      request: { path: '/ttl0', data: data('t'), acl: OPEN, flags: 5, ttl: 0 },
    }),
    r(0, {
      type: OpCode.createTTL,
      request: { path: '/ttlbad', data: data('t'), acl: OPEN, flags: 0, ttl: 100 },
    }),
    r(0, create('/bad-flags', '', 99)),
    // ACLs: creator-only under digest auth, read-only, invalid, denials.
    r(1, create('/sec', 'secret', 0, CREATOR)),
    r(0, create('/sec2', 'x', 0, CREATOR)),
    r(0, create('/badacl', 'x', 0, [{ perms: 31, id: { scheme: 'nosuch', id: 'x' } }])),
    r(0, create('/emptyacl', 'x', 0, [])),
    r(0, pw(4, '/sec')),
    r(2, setData('/sec', 'no')),
    r(1, pw(4, '/sec')),
    // exists on /sec by a session that may not read it: 3.8 and 3.9 differ
    // (zk39Differences.existsChecksRead), so the reader here is the owner.
    r(1, pw(3, '/sec')),
    r(0, pathOnly(6, '/sec')),
    r(1, { type: OpCode.setACL, request: { path: '/sec', acl: READ_ONLY, version: 5 } }),
    r(1, { type: OpCode.setACL, request: { path: '/sec', acl: READ_ONLY, version: 0 } }),
    r(0, pw(4, '/sec')),
    r(1, setData('/sec', 'denied')),
    r(1, { type: OpCode.setACL, request: { path: '/sec', acl: OPEN, version: 1 } }),
    r(0, create('/ro', 'r', 0, READ_ONLY)),
    r(0, create('/ro/kid')),
    r(0, del('/ro')),
    // reads of every kind
    r(2, pw(4, '/d', true)),
    r(2, pw(8, '/d', true)),
    r(2, pw(12, '/d', true)),
    r(2, pw(3, '/d/later', true)),
    r(2, pw(4, '/missing')),
    r(2, pw(12, '/missing')),
    r(2, pathOnly(104, '/d')),
    r(2, pathOnly(104, '/missing')),
    r(2, { type: OpCode.getEphemerals, request: { prefixPath: '/' } }),
    r(1, { type: OpCode.getEphemerals, request: { prefixPath: '/d' } }),
    r(1, { type: OpCode.getEphemerals, request: { prefixPath: '/x' } }),
    r(2, pathOnly(9, '/d')),
    r(0, setData('/d', 'changed')),
    r(0, create('/d/later', 'l')),
    r(2, { type: OpCode.checkWatches, request: { path: '/d', type: 1 } }),
    r(2, { type: OpCode.checkWatches, request: { path: '/d/later', type: 3 } }),
    r(2, pw(4, '/d/later', true)),
    r(2, { type: OpCode.checkWatches, request: { path: '/d/later', type: 2 } }),
    r(2, { type: OpCode.removeWatches, request: { path: '/d/later', type: 2 } }),
    r(2, { type: OpCode.removeWatches, request: { path: '/d/later', type: 3 } }),
    // persistent and persistent-recursive watches
    r(2, { type: OpCode.addWatch, request: { path: '/d', mode: 0 } }),
    r(2, { type: OpCode.addWatch, request: { path: '/', mode: 1 } }),
    r(0, create('/d/pw', 'p')),
    r(0, setData('/d/pw', 'q')),
    r(0, del('/d/pw')),
    r(2, { type: OpCode.removeWatches, request: { path: '/d', type: 3 } }),
    r(2, { type: OpCode.checkWatches, request: { path: '/', type: 3 } }),
    r(2, { type: OpCode.removeWatches, request: { path: '/', type: 3 } }),
    // setWatches (xid -8) with a stale zxid: fires for what changed since.
    {
      kind: 'req',
      s: 2,
      xid: -8,
      req: {
        type: OpCode.setWatches,
        request: {
          relativeZxid: 1n,
          dataWatches: ['/d', '/missing'],
          existWatches: ['/d/gone', '/nothere'],
          childWatches: ['/d'],
          persistentWatches: [],
          persistentRecursiveWatches: [],
        },
      },
    },
    {
      kind: 'req',
      s: 0,
      xid: -8,
      req: {
        type: OpCode.setWatches2,
        request: {
          relativeZxid: 0x7fffffffn,
          dataWatches: ['/d'],
          existWatches: ['/d/w2'],
          childWatches: [],
          persistentWatches: ['/d/c2'],
          persistentRecursiveWatches: ['/cont'],
        },
      },
    },
    r(1, create('/d/w2', 'w')),
    r(1, setData('/d/c2', 'x')),
    r(1, create('/cont/k', 'k')),
    // multi / multiRead
    r(
      0,
      multi([
        { type: OpCode.create, request: { path: '/m', data: data('m'), acl: OPEN, flags: 0 } },
        { type: OpCode.create2, request: { path: '/m/a', data: data('a'), acl: OPEN, flags: 0 } },
        { type: OpCode.setData, request: { path: '/m', data: data('n'), version: 0 } },
        { type: OpCode.check, request: { path: '/m', version: 1 } },
        { type: OpCode.delete, request: { path: '/m/a', version: 0 } },
      ]),
    ),
    r(
      0,
      multi([
        { type: OpCode.create, request: { path: '/m/b', data: data('b'), acl: OPEN, flags: 0 } },
        { type: OpCode.check, request: { path: '/m', version: 9 } },
        { type: OpCode.delete, request: { path: '/m', version: -1 } },
      ]),
    ),
    r(0, multi([])),
    r(
      2,
      multi([
        { type: OpCode.create, request: { path: '/sec/x', data: data(''), acl: OPEN, flags: 0 } },
      ]),
    ),
    r(
      0,
      multi([
        { type: OpCode.create, request: { path: 'bad', data: data(''), acl: OPEN, flags: 0 } },
      ]),
    ),
    r(0, {
      type: OpCode.multiRead,
      request: {
        ops: [
          { type: OpCode.getData, request: { path: '/m', watch: false } },
          { type: OpCode.getChildren, request: { path: '/d', watch: false } },
          { type: OpCode.getData, request: { path: '/missing', watch: false } },
          { type: OpCode.getChildren, request: { path: '/missing', watch: false } },
        ],
      },
    }),
    r(0, pw(3, '/m/b')),
  ];
}

function multi(ops: MultiOp[]): Request {
  return { type: OpCode.multi, request: { ops } };
}

const paths = ['/d', '/d/a', '/d/b', '/d/a/x', '/d/a/y', '/d/b/z', '/e', '/e/f', '/m', '/m/b'];

function randomOp(rnd: Random): Request {
  const pick = <T>(xs: readonly T[]): T => xs[rnd.int(xs.length)]!;
  const path = pick(paths);
  const version = pick([-1, -1, 0, 1, 2]);
  const d = `v${rnd.int(1000)}`;
  switch (rnd.int(14)) {
    case 0:
    case 1:
      return create(path, d, pick([0, 0, 1, 2, 3]));
    case 2:
      return create2(path, d, pick([0, 2]));
    case 3:
      return del(path, version);
    case 4:
    case 5:
      return setData(path, d, version);
    case 6:
      return pw(4, path, rnd.int(2) === 0);
    case 7:
      return pw(3, path, rnd.int(2) === 0);
    case 8:
      return pw(pick([8, 12] as const), path, rnd.int(2) === 0);
    case 9:
      // check travels inside multi only: a bare check (13) that succeeds hangs Apache 3.8's
      // standalone request pipeline (seen here; the Java client never sends one).
      return multi([{ type: OpCode.check, request: { path, version } }]);
    case 10:
      return multi([
        { type: OpCode.create, request: { path: pick(paths), data: data(d), acl: OPEN, flags: 0 } },
        { type: OpCode.setData, request: { path: pick(paths), data: data(d), version } },
        { type: OpCode.delete, request: { path: pick(paths), version: -1 } },
      ]);
    case 11:
      return {
        type: OpCode.setACL,
        request: { path, acl: pick([OPEN, OPEN, OPEN, READ_ONLY]), version },
      };
    case 12:
      return pathOnly(pick([6, 104] as const), path);
    default:
      return { type: OpCode.addWatch, request: { path, mode: rnd.int(2) } };
  }
}

function edgeCasesAfter(): Step[] {
  const r = (s: number, req: Request): Step => ({ kind: 'req', s, req });
  return [
    // reattach session 0 on a new connection (slot 3), then close it for real.
    { kind: 'reattach', s: 3, from: 0, timeoutMs: 30_000 },
    r(3, pw(3, '/d')),
    r(3, { type: OpCode.whoAmI, request: null }),
    // An ephemeral removed on close, seen through session 2's watch.
    r(3, create('/close-eph', 'x', 1)),
    r(2, pw(3, '/close-eph', true)),
    { kind: 'close', s: 3 },
    r(2, pw(3, '/close-eph')),
    // An ephemeral removed on expiry: a short session that stops pinging.
    { kind: 'connect', s: 4, timeoutMs: 1_000, ping: false },
    r(4, create('/exp-eph', 'x', 1)),
    r(4, create('/exp-eph-seq-', 'x', 3)),
    r(2, pw(3, '/exp-eph', true)),
    { kind: 'expire', s: 4, observer: 2, path: '/exp-eph' },
    r(2, pw(3, '/exp-eph')),
    r(2, { type: OpCode.getEphemerals, request: { prefixPath: '/' } }),
    // reconfig on a standalone server.
    r(1, {
      type: OpCode.reconfig,
      request: { joiningServers: null, leavingServers: '2', newMembers: null, curConfigId: -1n },
    }),
    r(1, pw(4, '/zookeeper/config')),
    r(1, pathOnly(104, '/')),
    { kind: 'close', s: 1 },
    r(2, pw(3, '/d/eph')),
    { kind: 'close', s: 0 },
    { kind: 'close', s: 2 },
  ];
}

/** The whole script for a seed: ≥ randomSteps random ops between the edge cases. */
export function differentialScript(seed: number, randomSteps = 300): Step[] {
  const rnd = seededRandom(seed);
  const steps = edgeCasesBefore();
  // Mixing a one-shot and a persistent watch on one path in one session behaves differently
  // in 3.8 and 3.9, in either order (zk39Differences.persistentWatchSurvivesOneShot): the
  // random part never mixes them. Reads keep their watch flag unless the session holds a
  // persistent watch on that path; an addWatch on a path with a one-shot watch becomes a
  // plain exists.
  const persistent = new Set<string>();
  const oneShot = new Set<string>();
  const isWatchedRead = (
    req: Request,
  ): req is Request & { request: { path: string; watch: boolean } } =>
    (req.type === OpCode.exists ||
      req.type === OpCode.getData ||
      req.type === OpCode.getChildren ||
      req.type === OpCode.getChildren2) &&
    req.request.watch;
  const note = (s: number, req: Request): void => {
    if (req.type === OpCode.addWatch) persistent.add(`${s} ${req.request.path}`);
    else if (isWatchedRead(req)) oneShot.add(`${s} ${req.request.path}`);
  };
  for (const st of steps) if (st.kind === 'req') note(st.s, st.req);
  for (let i = 0; i < randomSteps; i++) {
    const s = rnd.int(3);
    let req = randomOp(rnd);
    if (req.type === OpCode.addWatch && oneShot.has(`${s} ${req.request.path}`)) {
      req = pw(3, req.request.path, false);
    } else if (isWatchedRead(req) && persistent.has(`${s} ${req.request.path}`)) {
      req = pw(req.type as 3 | 4 | 8 | 12, req.request.path, false);
    }
    note(s, req);
    steps.push({ kind: 'req', s, req });
  }
  steps.push(...edgeCasesAfter());
  return steps;
}
