/**
 * Read requests against the tree (Apache FinalRequestProcessor's read cases): error
 * precedence of client-protocol.md §9.3 and watch registration of §8.
 */
import { ErrorCode } from '../proto/errors.js';
import { OpCode, Perms } from '../proto/opcodes.js';
import type { MultiOp, MultiResult, Request, Response } from '../proto/requests.js';
import type { Id } from '../proto/types.js';
import { checkPerm, redactAcl } from './acl.js';
import type { DataTree } from './data-tree.js';

export interface WatchRegistration {
  path: string;
  kind: 'data' | 'child';
}

export interface ReadResult {
  err: number;
  response: Response | null;
  /** The one watch a single read registers. */
  watch?: WatchRegistration;
  /** All watches to register (multiRead may ask for several); includes `watch` when set. */
  watches?: WatchRegistration[];
}

export interface ReadAuth {
  authIds: readonly Id[];
  /** Needed by getEphemerals. */
  sessionId?: bigint;
}

const fail = (err: number): ReadResult => ({ err, response: null });

function done(response: Response, watch?: WatchRegistration): ReadResult {
  return watch ? { err: 0, response, watch, watches: [watch] } : { err: 0, response };
}

function getData(path: string, watch: boolean, tree: DataTree, auth: ReadAuth): ReadResult {
  const n = tree.getNode(path);
  if (!n) return fail(ErrorCode.noNode);
  if (!checkPerm(n.acl, Perms.read, auth.authIds)) return fail(ErrorCode.noAuth);
  return done(
    { kind: 'getData', data: n.data, stat: tree.clientStatOf(n) },
    watch ? { path, kind: 'data' } : undefined,
  );
}

function getChildren(
  path: string,
  watch: boolean,
  tree: DataTree,
  auth: ReadAuth,
  withStat: boolean,
): ReadResult {
  const n = tree.getNode(path);
  if (!n) return fail(ErrorCode.noNode);
  if (!checkPerm(n.acl, Perms.read, auth.authIds)) return fail(ErrorCode.noAuth);
  const children = [...n.children];
  const w: WatchRegistration | undefined = watch ? { path, kind: 'child' } : undefined;
  return done(
    withStat
      ? { kind: 'getChildren2', children, stat: tree.clientStatOf(n) }
      : { kind: 'getChildren', children },
    w,
  );
}

function exists(path: string, watch: boolean, tree: DataTree, auth: ReadAuth): ReadResult {
  if (path.includes('\0')) return fail(ErrorCode.badArguments);
  const n = tree.getNode(path);
  if (n && !checkPerm(n.acl, Perms.read, auth.authIds)) return fail(ErrorCode.noAuth);
  // statNode registers the watch before it looks: a missing node still gets a data watch.
  const w: WatchRegistration | undefined = watch ? { path, kind: 'data' } : undefined;
  if (!n)
    return w
      ? { err: ErrorCode.noNode, response: null, watch: w, watches: [w] }
      : fail(ErrorCode.noNode);
  return done({ kind: 'stat', stat: tree.clientStatOf(n) }, w);
}

function getAcl(path: string, tree: DataTree, auth: ReadAuth): ReadResult {
  const n = tree.getNode(path);
  if (!n) return fail(ErrorCode.noNode);
  if (!checkPerm(n.acl, Perms.read | Perms.admin, auth.authIds)) return fail(ErrorCode.noAuth);
  const acl = checkPerm(n.acl, Perms.admin, auth.authIds)
    ? n.acl.map((a) => ({ perms: a.perms, id: { ...a.id } }))
    : redactAcl(n.acl);
  return done({ kind: 'getACL', acl, stat: tree.clientStatOf(n) });
}

function getEphemerals(prefix: string | null, tree: DataTree, auth: ReadAuth): ReadResult {
  const all = auth.sessionId === undefined ? [] : tree.ephemeralsOf(auth.sessionId);
  const everything = prefix === null || prefix.trim().length === 0 || prefix === '/';
  return done({
    kind: 'ephemerals',
    ephemerals: everything ? all : all.filter((p) => p.startsWith(prefix)),
  });
}

function multiRead(ops: MultiOp[], tree: DataTree, auth: ReadAuth): ReadResult {
  const results: MultiResult[] = [];
  const watches: WatchRegistration[] = [];
  for (const op of ops) {
    let r: ReadResult;
    if (op.type === OpCode.getData) {
      r = getData(op.request.path, op.request.watch, tree, auth);
      if (r.err === 0 && r.response?.kind === 'getData')
        results.push({ type: OpCode.getData, data: r.response.data, stat: r.response.stat });
    } else if (op.type === OpCode.getChildren) {
      r = getChildren(op.request.path, op.request.watch, tree, auth, false);
      if (r.err === 0 && r.response?.kind === 'getChildren')
        results.push({ type: OpCode.getChildren, children: r.response.children });
    } else {
      // A write op inside multiRead: the whole request is a marshalling error (§7).
      return fail(ErrorCode.marshallingError);
    }
    if (r.err !== 0) results.push({ type: OpCode.error, err: r.err });
    if (r.watch) watches.push(r.watch);
  }
  const response: Response = { kind: 'multi', results };
  return watches.length > 0 ? { err: 0, response, watches } : { err: 0, response };
}

/** Runs one read request. Writes and session/watch bookkeeping ops answer -6 here. */
export function processRead(req: Request, tree: DataTree, auth: ReadAuth): ReadResult {
  switch (req.type) {
    case OpCode.exists:
      return exists(req.request.path, req.request.watch, tree, auth);
    case OpCode.getData:
      return getData(req.request.path, req.request.watch, tree, auth);
    case OpCode.getChildren:
      return getChildren(req.request.path, req.request.watch, tree, auth, false);
    case OpCode.getChildren2:
      return getChildren(req.request.path, req.request.watch, tree, auth, true);
    case OpCode.getACL:
      return getAcl(req.request.path, tree, auth);
    case OpCode.getAllChildrenNumber: {
      const path = req.request.path;
      const n = tree.getNode(path);
      if (!n) return fail(ErrorCode.noNode);
      if (!checkPerm(n.acl, Perms.read, auth.authIds)) return fail(ErrorCode.noAuth);
      return done({
        kind: 'allChildrenNumber',
        totalNumber: tree.getAllChildrenNumber(path),
      });
    }
    case OpCode.getEphemerals:
      return getEphemerals(req.request.prefixPath, tree, auth);
    case OpCode.multiRead:
      return multiRead(req.request.ops, tree, auth);
    case OpCode.sync:
      return done({ kind: 'path', path: req.request.path });
    case OpCode.whoAmI:
      return done({
        kind: 'whoAmI',
        clientInfo: auth.authIds.map((id) => ({
          authScheme: id.scheme,
          user:
            id.scheme === 'digest' && id.id.includes(':')
              ? id.id.slice(0, id.id.indexOf(':'))
              : id.id,
        })),
      });
    default:
      return fail(ErrorCode.unimplemented);
  }
}
