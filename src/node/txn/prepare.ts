/**
 * Apache's PrepRequestProcessor: turns a write request into the txn to log, validating in
 * the exact order of client-protocol.md §9.3. Every failure becomes an error txn under the
 * same zxid (§9.2); a failing multi keeps its shape (§7).
 */
import { limits } from '../../shared/limits.js';
import { ErrorCode, ZkError } from '../proto/errors.js';
import { CreateMode, OpCode, Perms } from '../proto/opcodes.js';
import type { CreateRequest, MultiOp, ReconfigRequest, Request } from '../proto/requests.js';
import type { Id, LoggedTxn, Txn } from '../proto/types.js';
import { checkPerm, fixupAcl } from '../tree/acl.js';
import { ephemeralKind } from '../tree/ephemeral.js';
import { isSpecialPath, isValidPath } from '../tree/path.js';
import { Overlay, applyToView, type NodeView, type PendingView } from './view.js';

export interface PrepareConfig {
  extendedTypesEnabled: boolean;
  reconfigEnabled: boolean;
  standalone: boolean;
  enforceQuota: boolean;
  /**
   * The established leader's reconfig planner (quorum/reconfig.ts planReconfig): the new
   * config text for a reconfig txn under `zxid`, or a ZkError. Absent where this server
   * cannot reconfigure (standalone: UNIMPLEMENTED, as Apache).
   */
  reconfig?: (request: ReconfigRequest, zxid: bigint) => Buffer;
}

export interface PrepareContext {
  zxid: bigint;
  timeMs: number;
  sessionId: bigint;
  cxid: number;
  authIds: readonly Id[];
  config: PrepareConfig;
  view: PendingView;
  /** false when the session expired/closed (→ -112); default true. */
  sessionValid?: boolean;
  /** The container/TTL reaper's delete: logged as deleteContainer (20). */
  deleteContainer?: boolean;
}

/** Requests prepareWrite accepts beyond the client ones: the server's createSession. */
export type WriteRequest =
  Request | { type: typeof OpCode.createSession; request: { timeOutMs: number } };

const WRITE_TYPES: ReadonlySet<number> = new Set([
  OpCode.create,
  OpCode.create2,
  OpCode.createTTL,
  OpCode.createContainer,
  OpCode.delete,
  OpCode.deleteContainer,
  OpCode.setData,
  OpCode.setACL,
  OpCode.check,
  OpCode.multi,
  OpCode.reconfig,
  OpCode.createSession,
  OpCode.closeSession,
]);

const READ_TYPES: ReadonlySet<number> = new Set([
  OpCode.exists,
  OpCode.getData,
  OpCode.getChildren,
  OpCode.getChildren2,
  OpCode.getACL,
  OpCode.getAllChildrenNumber,
  OpCode.getEphemerals,
  OpCode.multiRead,
  OpCode.whoAmI,
  OpCode.sync,
]);

/** Ops that take a zxid and go through prepareWrite → log → apply. */
export function isWriteRequest(type: number): boolean {
  return WRITE_TYPES.has(type);
}

/** Ops processRead answers. */
export function isReadRequest(type: number): boolean {
  return READ_TYPES.has(type);
}

const CONFIG_NODE = '/zookeeper/config';

const bad = (code: number): never => {
  throw new ZkError(code);
};

/** String.format("%010d", n) for a Java int. */
export function sequenceSuffix(n: number): string {
  return n < 0 ? `-${String(-n).padStart(9, '0')}` : String(n).padStart(10, '0');
}

function record(view: PendingView, path: string): NodeView {
  return view.get(path) ?? bad(ErrorCode.noNode);
}

function checkSession(ctx: PrepareContext): void {
  if (ctx.sessionValid === false) bad(ErrorCode.sessionExpired);
}

/** PrepRequestProcessor.checkAndIncVersion. */
function nextVersion(current: number, expected: number): number {
  if (expected !== -1 && expected !== current) bad(ErrorCode.badVersion);
  return (current + 1) | 0;
}

/** Parent path as validatePathForCreate/getParentPathAndValidate compute it ("" is the root). */
function parentForWrite(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash < 0 || path.includes('\0')) bad(ErrorCode.badArguments);
  return path.slice(0, slash);
}

function isTtlMode(flags: number): boolean {
  return flags === CreateMode.persistentWithTtl || flags === CreateMode.persistentSequentialWithTtl;
}

function prepareCreate(
  type: number,
  req: CreateRequest & { ttl?: number },
  ctx: PrepareContext,
  view: PendingView,
): Txn {
  const flags = req.flags;
  if (!Number.isInteger(flags) || flags < 0 || flags > 6) bad(ErrorCode.badArguments);
  const ttl = type === OpCode.createTTL ? (req.ttl ?? -1) : -1;
  if (isTtlMode(flags)) {
    if (!ctx.config.extendedTypesEnabled) bad(ErrorCode.unimplemented);
    if (ttl <= 0 || ttl > limits.maxTtlMs) bad(ErrorCode.badArguments);
  } else if (ttl >= 0 || type === OpCode.createTTL) {
    // Apache logs a createTTL with a non-TTL mode and ttl < 0, then fails applying it and drops
    // the connection; refusing it here keeps such a txn out of the log.
    bad(ErrorCode.badArguments);
  }
  checkSession(ctx);
  const parentPath = parentForWrite(req.path);
  const fixed = fixupAcl(req.acl, ctx.authIds);
  if (fixed.acl === null) return bad(fixed.err);
  const parent = record(view, parentPath);
  if (!checkPerm(parent.acl, Perms.create, ctx.authIds)) bad(ErrorCode.noAuth);
  const sequential =
    flags === CreateMode.persistentSequential ||
    flags === CreateMode.ephemeralSequential ||
    flags === CreateMode.persistentSequentialWithTtl;
  const path = sequential ? req.path + sequenceSuffix(parent.stat.cversion) : req.path;
  if (!isValidPath(path)) bad(ErrorCode.badArguments);
  if (view.get(path) !== null) bad(ErrorCode.nodeExists);
  if (ephemeralKind(parent.stat.ephemeralOwner) === 'normal')
    bad(ErrorCode.noChildrenForEphemerals);
  const data = req.data;
  if (ctx.config.enforceQuota) checkQuota(path, data?.length ?? 0, 1, view);
  const parentCVersion = (parent.stat.cversion + 1) | 0;
  const acl = fixed.acl;
  if (type === OpCode.createContainer)
    return { type: OpCode.createContainer, path, data, acl, parentCVersion };
  if (type === OpCode.createTTL)
    return { type: OpCode.createTTL, path, data, acl, parentCVersion, ttlMs: ttl };
  const ephemeral = flags === CreateMode.ephemeral || flags === CreateMode.ephemeralSequential;
  return {
    type: type as typeof OpCode.create | typeof OpCode.create2,
    path,
    data,
    acl,
    ephemeral,
    parentCVersion,
  };
}

/** ZooKeeperServer.checkQuota (enforceQuota): hard limits of the nearest quota node only. */
function checkQuota(path: string, bytesDiff: number, countDiff: number, view: PendingView): void {
  const parse = (d: Buffer | null): Map<string, number> =>
    new Map(
      (d?.toString('utf8') ?? '')
        .split(',')
        .map((kv) => kv.split('='))
        .filter((kv) => kv.length === 2)
        .map(([k, v]) => [k!, Number(v)]),
    );
  for (let p = path; p.length > 1; p = p.slice(0, p.lastIndexOf('/')) || '/') {
    const limitsNode = view.get(`/zookeeper/quota${p}/zookeeper_limits`);
    if (!limitsNode) continue;
    const lim = parse(limitsNode.data);
    const cur = parse(view.get(`/zookeeper/quota${p}/zookeeper_stats`)?.data ?? null);
    const countHard = lim.get('countHardLimit') ?? -1;
    const bytesHard = lim.get('byteHardLimit') ?? -1;
    if (countDiff !== 0 && countHard > -1 && (cur.get('count') ?? 0) + countDiff > countHard)
      bad(ErrorCode.quotaExceeded);
    if (bytesDiff !== 0 && bytesHard > -1 && (cur.get('bytes') ?? 0) + bytesDiff > bytesHard)
      bad(ErrorCode.quotaExceeded);
    return;
  }
}

function prepareDelete(path: string, version: number, ctx: PrepareContext, view: PendingView): Txn {
  checkSession(ctx);
  if (path.lastIndexOf('/') < 0 || path.includes('\0') || isSpecialPath(path))
    bad(ErrorCode.badArguments);
  const parentPath = parentForWrite(path);
  const parent = record(view, parentPath);
  if (!checkPerm(parent.acl, Perms.delete, ctx.authIds)) bad(ErrorCode.noAuth);
  const node = record(view, path);
  nextVersion(node.stat.version, version);
  if (node.childCount > 0) bad(ErrorCode.notEmpty);
  return { type: OpCode.delete, path };
}

/** The reaper's delete (PrepRequestProcessor deleteContainer case). */
function prepareDeleteContainer(path: string, view: PendingView): Txn {
  if (path.lastIndexOf('/') < 0 || path.includes('\0') || isSpecialPath(path))
    bad(ErrorCode.badArguments);
  const parentPath = parentForWrite(path);
  const node = record(view, path);
  if (node.childCount > 0) bad(ErrorCode.notEmpty);
  if (ephemeralKind(node.stat.ephemeralOwner) === 'normal') bad(ErrorCode.badVersion);
  record(view, parentPath);
  return { type: OpCode.deleteContainer, path };
}

function prepareSetData(
  path: string,
  data: Buffer | null,
  version: number,
  ctx: PrepareContext,
  view: PendingView,
): Txn {
  checkSession(ctx);
  if (!isValidPath(path)) bad(ErrorCode.badArguments);
  const node = record(view, path);
  if (!checkPerm(node.acl, Perms.write, ctx.authIds)) bad(ErrorCode.noAuth);
  if (ctx.config.enforceQuota)
    checkQuota(path, (data?.length ?? 0) - (node.data?.length ?? 0), 0, view);
  return { type: OpCode.setData, path, data, version: nextVersion(node.stat.version, version) };
}

function prepareCheck(path: string, version: number, ctx: PrepareContext, view: PendingView): Txn {
  checkSession(ctx);
  if (!isValidPath(path)) bad(ErrorCode.badArguments);
  const node = record(view, path);
  if (!checkPerm(node.acl, Perms.read, ctx.authIds)) bad(ErrorCode.noAuth);
  return { type: OpCode.check, path, version: nextVersion(node.stat.version, version) };
}

function prepareOne(req: WriteRequest | MultiOp, ctx: PrepareContext, view: PendingView): Txn {
  switch (req.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return prepareCreate(req.type, req.request, ctx, view);
    case OpCode.delete:
      if (ctx.deleteContainer) return prepareDeleteContainer(req.request.path, view);
      return prepareDelete(req.request.path, req.request.version, ctx, view);
    case OpCode.setData:
      return prepareSetData(req.request.path, req.request.data, req.request.version, ctx, view);
    case OpCode.check:
      return prepareCheck(req.request.path, req.request.version, ctx, view);
    case OpCode.setACL: {
      checkSession(ctx);
      const { path, version } = req.request;
      if (!isValidPath(path)) bad(ErrorCode.badArguments);
      const fixed = fixupAcl(req.request.acl, ctx.authIds);
      if (fixed.acl === null) return bad(fixed.err);
      const node = record(view, path);
      if (!checkPerm(node.acl, Perms.admin, ctx.authIds)) bad(ErrorCode.noAuth);
      return {
        type: OpCode.setACL,
        path,
        acl: fixed.acl,
        version: nextVersion(node.stat.aversion, version),
      };
    }
    case OpCode.reconfig: {
      if (!ctx.config.reconfigEnabled) bad(ErrorCode.reconfigDisabled);
      checkSession(ctx);
      const plan = ctx.config.reconfig;
      if (plan === undefined) return bad(ErrorCode.unimplemented);
      const data = plan(req.request, ctx.zxid);
      // Only a super user passes: the node's ACL is world:anyone read.
      if (!checkPerm(record(view, CONFIG_NODE).acl, Perms.write, ctx.authIds))
        bad(ErrorCode.noAuth);
      return { type: OpCode.reconfig, path: CONFIG_NODE, data, version: -1 };
    }
    case OpCode.createSession:
      return { type: OpCode.createSession, timeOutMs: req.request.timeOutMs };
    case OpCode.closeSession:
      return { type: OpCode.closeSession, paths2Delete: view.ephemeralsOf(ctx.sessionId) };
    default:
      return bad(ErrorCode.marshallingError);
  }
}

const MULTI_OPS: ReadonlySet<number> = new Set([
  OpCode.create,
  OpCode.create2,
  OpCode.createContainer,
  OpCode.createTTL,
  OpCode.delete,
  OpCode.setData,
  OpCode.check,
]);

function prepareMulti(ops: MultiOp[], ctx: PrepareContext): Txn {
  if (ops.some((op) => !MULTI_OPS.has(op.type))) bad(ErrorCode.marshallingError);
  const overlay = new Overlay(ctx.view);
  const header = {
    clientId: ctx.sessionId,
    cxid: ctx.cxid,
    zxid: ctx.zxid,
    time: ctx.timeMs,
    type: OpCode.multi,
  };
  const txns: Txn[] = [];
  let failed = false;
  for (const op of ops) {
    if (failed) {
      txns.push({ type: OpCode.error, err: ErrorCode.runtimeInconsistency });
      continue;
    }
    try {
      const sub = prepareOne(op, { ...ctx, deleteContainer: false }, overlay);
      applyToView(header, sub, overlay);
      txns.push(sub);
    } catch (e) {
      failed = true;
      txns.push({
        type: OpCode.error,
        err: e instanceof ZkError ? e.code : ErrorCode.marshallingError,
      });
    }
  }
  return { type: OpCode.multi, txns };
}

/** Validates `req` against `ctx.view` and returns the txn to log under `ctx.zxid`. */
export function prepareWrite(req: WriteRequest, ctx: PrepareContext): LoggedTxn {
  let txn: Txn;
  try {
    txn =
      req.type === OpCode.multi
        ? prepareMulti(req.request.ops, ctx)
        : prepareOne(req, ctx, ctx.view);
  } catch (e) {
    txn = { type: OpCode.error, err: e instanceof ZkError ? e.code : ErrorCode.marshallingError };
  }
  const type =
    txn.type === OpCode.error
      ? OpCode.error
      : req.type === OpCode.delete && ctx.deleteContainer
        ? OpCode.deleteContainer
        : req.type;
  return {
    header: { clientId: ctx.sessionId, cxid: ctx.cxid, zxid: ctx.zxid, time: ctx.timeMs, type },
    txn,
  };
}
