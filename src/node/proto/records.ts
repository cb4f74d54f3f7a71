/**
 * Client-protocol record codec (client-protocol.md §3–§7): the server's decoders and reply
 * encoders, and the client's inverses. Errors:
 * - every malformed input throws JuteDecodeError (or a subclass);
 * - UnknownOpcodeError (a JuteDecodeError): the header type names no client request; the server
 *   answers -6 Unimplemented and closes;
 * - MultiMarshallingError (a JuteDecodeError): a multi/multiRead body that Apache's
 *   MultiOperationRecord would reject (unknown op type, read/write mix, truncated or garbage op);
 *   the server answers -5 MarshallingError (for multi, after logging an error txn).
 */
import { JuteDecodeError, JuteReader, JuteWriter } from './jute.js';
import { CreateMode, OpCode, Xid } from './opcodes.js';
import type { ACL, Id, Stat } from './types.js';
import type {
  ConnectRequest,
  ConnectResponse,
  CreateRequest,
  CreateTTLRequest,
  MultiOp,
  MultiResult,
  ReplyHeader,
  Request,
  RequestHeader,
  Response,
  SetWatches,
  WatcherEvent,
} from './requests.js';

export class UnknownOpcodeError extends JuteDecodeError {
  override name = 'UnknownOpcodeError';
  constructor(readonly type: number) {
    super(`unknown request type ${type}`);
  }
}

export class MultiMarshallingError extends JuteDecodeError {
  override name = 'MultiMarshallingError';
}

// ---- shared records ----

export function writeId(w: JuteWriter, id: Id): void {
  w.string(id.scheme).string(id.id);
}

export function readId(r: JuteReader): Id {
  return { scheme: r.stringOrEmpty(), id: r.stringOrEmpty() };
}

export function writeAcl(w: JuteWriter, acl: ACL): void {
  w.int(acl.perms).string(acl.id.scheme).string(acl.id.id);
}

export function readAcl(r: JuteReader): ACL {
  return { perms: r.int(), id: readId(r) };
}

export function writeAclList(w: JuteWriter, acl: readonly ACL[] | null): void {
  w.vector(acl, writeAcl);
}

/** null reads as []: the server's ACL fix-up rejects both the same way (-114). */
export function readAclList(r: JuteReader): ACL[] {
  return r.vector(readAcl) ?? [];
}

export function writeStat(w: JuteWriter, s: Stat): void {
  w.long(s.czxid)
    .long(s.mzxid)
    .longNumber(s.ctime)
    .longNumber(s.mtime)
    .int(s.version)
    .int(s.cversion)
    .int(s.aversion)
    .long(s.ephemeralOwner)
    .int(s.dataLength)
    .int(s.numChildren)
    .long(s.pzxid);
}

export function readStat(r: JuteReader): Stat {
  return {
    czxid: r.long(),
    mzxid: r.long(),
    ctime: r.longNumber(),
    mtime: r.longNumber(),
    version: r.int(),
    cversion: r.int(),
    aversion: r.int(),
    ephemeralOwner: r.long(),
    dataLength: r.int(),
    numChildren: r.int(),
    pzxid: r.long(),
  };
}

function writeStrings(w: JuteWriter, items: readonly string[] | null): void {
  w.vector(items, (ww, s) => ww.string(s));
}

function readStrings(r: JuteReader): string[] {
  return r.vector((rr) => rr.stringOrEmpty()) ?? [];
}

// ---- handshake ----

export function decodeConnectRequest(buf: Buffer): ConnectRequest {
  const r = new JuteReader(buf);
  const protocolVersion = r.int();
  const lastZxidSeen = r.long();
  const timeOut = r.int();
  const sessionId = r.long();
  const passwd = r.buffer() ?? Buffer.alloc(0);
  const readOnly = r.atEnd() ? undefined : r.bool();
  return { protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly };
}

/** One whole frame. */
export function encodeConnectResponse(c: ConnectResponse): Buffer {
  const w = new JuteWriter(48);
  w.int(c.protocolVersion).int(c.timeOut).long(c.sessionId).buffer(c.passwd);
  if (c.readOnly !== undefined) w.bool(c.readOnly);
  return w.toFrame();
}

/** One whole frame (client side); readOnly undefined omits the byte (node-zookeeper-client style). */
export function encodeConnectRequest(c: ConnectRequest): Buffer {
  const w = new JuteWriter(56);
  w.int(c.protocolVersion).long(c.lastZxidSeen).int(c.timeOut).long(c.sessionId).buffer(c.passwd);
  if (c.readOnly !== undefined) w.bool(c.readOnly);
  return w.toFrame();
}

export function decodeConnectResponse(buf: Buffer): ConnectResponse {
  const r = new JuteReader(buf);
  const protocolVersion = r.int();
  const timeOut = r.int();
  const sessionId = r.long();
  const passwd = r.buffer() ?? Buffer.alloc(0);
  const readOnly = r.atEnd() ? undefined : r.bool();
  return { protocolVersion, timeOut, sessionId, passwd, readOnly };
}

// ---- headers ----

export function readRequestHeader(r: JuteReader): RequestHeader {
  return { xid: r.int(), type: r.int() };
}

export function readReplyHeader(r: JuteReader): ReplyHeader {
  return { xid: r.int(), zxid: r.long(), err: r.int() };
}

// ---- requests (server decodes, client encodes) ----

function readCreate(r: JuteReader): CreateRequest {
  return { path: r.stringOrEmpty(), data: r.buffer(), acl: readAclList(r), flags: r.int() };
}

function readCreateTTL(r: JuteReader): CreateTTLRequest {
  return { ...readCreate(r), ttl: r.longNumber() };
}

function readSetWatches(r: JuteReader, v2: boolean): SetWatches {
  return {
    relativeZxid: r.long(),
    dataWatches: readStrings(r),
    existWatches: readStrings(r),
    childWatches: readStrings(r),
    persistentWatches: v2 ? readStrings(r) : [],
    persistentRecursiveWatches: v2 ? readStrings(r) : [],
  };
}

const writeOpTypes = new Set<number>([
  OpCode.create,
  OpCode.create2,
  OpCode.createContainer,
  OpCode.createTTL,
  OpCode.delete,
  OpCode.setData,
  OpCode.check,
]);
const readOpTypes = new Set<number>([OpCode.getData, OpCode.getChildren]);

function isTtlFlags(flags: number): boolean {
  return flags === CreateMode.persistentWithTtl || flags === CreateMode.persistentSequentialWithTtl;
}

/**
 * Decode one op the way Apache's MultiOperationRecord does: creates sent as 1/15/19 become
 * create (1) or, with CONTAINER flags, createContainer (19); a createTTL record with non-TTL
 * flags becomes a plain create (its ttl dropped); read ops lose their watch flag (Apache's
 * Op.getData/getChildren always send watch=false to the request processors).
 */
function readMultiOp(type: number, r: JuteReader): MultiOp {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer: {
      const request = readCreate(r);
      // Apache builds a createTTL op without a ttl, which its request processor then rejects.
      if (isTtlFlags(request.flags))
        throw new MultiMarshallingError('TTL flags on a create op without ttl');
      return {
        type: request.flags === CreateMode.container ? OpCode.createContainer : OpCode.create,
        request,
      };
    }
    case OpCode.createTTL: {
      const request = readCreateTTL(r);
      if (isTtlFlags(request.flags)) return { type: OpCode.createTTL, request };
      const { path, data, acl, flags } = request;
      return {
        type: flags === CreateMode.container ? OpCode.createContainer : OpCode.create,
        request: { path, data, acl, flags },
      };
    }
    case OpCode.delete:
      return { type, request: { path: r.stringOrEmpty(), version: r.int() } };
    case OpCode.setData:
      return { type, request: { path: r.stringOrEmpty(), data: r.buffer(), version: r.int() } };
    case OpCode.check:
      return { type, request: { path: r.stringOrEmpty(), version: r.int() } };
    case OpCode.getData:
    case OpCode.getChildren: {
      const path = r.stringOrEmpty();
      r.bool();
      return { type, request: { path, watch: false } };
    }
    default:
      throw new MultiMarshallingError(`invalid op type ${type} inside multi`);
  }
}

function readMulti(multiType: number, r: JuteReader): MultiOp[] {
  const allowed = multiType === OpCode.multi ? writeOpTypes : readOpTypes;
  const ops: MultiOp[] = [];
  try {
    for (;;) {
      const type = r.int();
      const done = r.bool();
      r.int(); // err, always -1 from clients
      if (done) return ops;
      if (!writeOpTypes.has(type) && !readOpTypes.has(type)) {
        throw new MultiMarshallingError(`invalid op type ${type} inside multi`);
      }
      if (!allowed.has(type)) {
        throw new MultiMarshallingError(`op type ${type} not allowed in request type ${multiType}`);
      }
      ops.push(readMultiOp(type, r));
    }
  } catch (err) {
    if (err instanceof MultiMarshallingError) throw err;
    if (err instanceof JuteDecodeError)
      throw new MultiMarshallingError(`multi body: ${err.message}`);
    throw err;
  }
}

/**
 * The request record after a RequestHeader. Throws UnknownOpcodeError for types that are not
 * client requests, MultiMarshallingError for bad multi bodies, JuteDecodeError otherwise.
 * SetWatches (101) gives empty persistent lists.
 */
export function decodeRequest(header: RequestHeader, r: JuteReader): Request {
  const type = header.type;
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return { type, request: readCreate(r) };
    case OpCode.createTTL:
      return { type, request: readCreateTTL(r) };
    case OpCode.delete:
      return { type, request: { path: r.stringOrEmpty(), version: r.int() } };
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return { type, request: { path: r.stringOrEmpty(), watch: r.bool() } };
    case OpCode.setData:
      return { type, request: { path: r.stringOrEmpty(), data: r.buffer(), version: r.int() } };
    case OpCode.getACL:
    case OpCode.sync:
    case OpCode.getAllChildrenNumber:
      return { type, request: { path: r.stringOrEmpty() } };
    case OpCode.setACL:
      return { type, request: { path: r.stringOrEmpty(), acl: readAclList(r), version: r.int() } };
    case OpCode.check:
      return { type, request: { path: r.stringOrEmpty(), version: r.int() } };
    case OpCode.multi:
    case OpCode.multiRead:
      return { type, request: { ops: readMulti(type, r) } };
    case OpCode.reconfig:
      return {
        type,
        request: {
          joiningServers: r.string(),
          leavingServers: r.string(),
          newMembers: r.string(),
          curConfigId: r.long(),
        },
      };
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      return { type, request: { path: r.stringOrEmpty(), type: r.int() } };
    case OpCode.addWatch:
      return { type, request: { path: r.stringOrEmpty(), mode: r.int() } };
    case OpCode.setWatches:
      return { type, request: readSetWatches(r, false) };
    case OpCode.setWatches2:
      return { type, request: readSetWatches(r, true) };
    case OpCode.auth:
      return { type, request: { type: r.int(), scheme: r.stringOrEmpty(), auth: r.buffer() } };
    case OpCode.getEphemerals:
      return { type, request: { prefixPath: r.string() } };
    case OpCode.ping:
    case OpCode.closeSession:
    case OpCode.whoAmI:
      return { type, request: null };
    default:
      throw new UnknownOpcodeError(type);
  }
}

function writeCreate(w: JuteWriter, c: CreateRequest): void {
  w.string(c.path).buffer(c.data);
  writeAclList(w, c.acl);
  w.int(c.flags);
}

function writeMultiOp(w: JuteWriter, op: MultiOp): void {
  switch (op.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      writeCreate(w, op.request);
      return;
    case OpCode.createTTL:
      writeCreate(w, op.request);
      w.longNumber(op.request.ttl);
      return;
    case OpCode.delete:
    case OpCode.check:
      w.string(op.request.path).int(op.request.version);
      return;
    case OpCode.setData:
      w.string(op.request.path).buffer(op.request.data).int(op.request.version);
      return;
    case OpCode.getData:
    case OpCode.getChildren:
      w.string(op.request.path).bool(op.request.watch);
      return;
  }
}

function writeRequestBody(w: JuteWriter, req: Request): void {
  switch (req.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      writeCreate(w, req.request);
      return;
    case OpCode.createTTL:
      writeCreate(w, req.request);
      w.longNumber(req.request.ttl);
      return;
    case OpCode.delete:
    case OpCode.check:
      w.string(req.request.path).int(req.request.version);
      return;
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
      w.string(req.request.path).bool(req.request.watch);
      return;
    case OpCode.setData:
      w.string(req.request.path).buffer(req.request.data).int(req.request.version);
      return;
    case OpCode.getACL:
    case OpCode.sync:
    case OpCode.getAllChildrenNumber:
      w.string(req.request.path);
      return;
    case OpCode.setACL:
      w.string(req.request.path);
      writeAclList(w, req.request.acl);
      w.int(req.request.version);
      return;
    case OpCode.multi:
    case OpCode.multiRead:
      for (const op of req.request.ops) {
        w.int(op.type).bool(false).int(-1);
        writeMultiOp(w, op);
      }
      w.int(-1).bool(true).int(-1);
      return;
    case OpCode.reconfig:
      w.string(req.request.joiningServers)
        .string(req.request.leavingServers)
        .string(req.request.newMembers)
        .long(req.request.curConfigId);
      return;
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      w.string(req.request.path).int(req.request.type);
      return;
    case OpCode.addWatch:
      w.string(req.request.path).int(req.request.mode);
      return;
    case OpCode.setWatches:
    case OpCode.setWatches2: {
      const s = req.request;
      w.long(s.relativeZxid);
      writeStrings(w, s.dataWatches);
      writeStrings(w, s.existWatches);
      writeStrings(w, s.childWatches);
      if (req.type === OpCode.setWatches2) {
        writeStrings(w, s.persistentWatches);
        writeStrings(w, s.persistentRecursiveWatches);
      }
      return;
    }
    case OpCode.auth:
      w.int(req.request.type).string(req.request.scheme).buffer(req.request.auth);
      return;
    case OpCode.getEphemerals:
      w.string(req.request.prefixPath);
      return;
    case OpCode.ping:
    case OpCode.closeSession:
    case OpCode.whoAmI:
      return;
  }
}

/**
 * The writer's bytes as one frame without copying: the first int was written as a placeholder
 * and is patched with the payload length. The writer must not be used afterwards.
 */
function frameOf(w: JuteWriter): Buffer {
  const out = w.view();
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

/** One whole request frame (client side): RequestHeader(xid, req.type) + record. */
export function encodeRequest(xid: number, req: Request): Buffer {
  const w = new JuteWriter(128);
  w.int(0).int(xid).int(req.type);
  writeRequestBody(w, req);
  return frameOf(w);
}

// ---- replies (server encodes, client decodes) ----

function writeMultiResult(w: JuteWriter, res: MultiResult): void {
  w.int(res.type)
    .bool(false)
    .int(res.type === OpCode.error ? res.err : 0);
  switch (res.type) {
    case OpCode.create:
      w.string(res.path);
      return;
    case OpCode.create2:
      w.string(res.path);
      writeStat(w, res.stat);
      return;
    case OpCode.delete:
    case OpCode.check:
      return;
    case OpCode.setData:
      writeStat(w, res.stat);
      return;
    case OpCode.getData:
      w.buffer(res.data);
      writeStat(w, res.stat);
      return;
    case OpCode.getChildren:
      writeStrings(w, res.children);
      return;
    case OpCode.error:
      w.int(res.err);
      return;
  }
}

function writeResponseBody(w: JuteWriter, body: Response): void {
  switch (body.kind) {
    case 'none':
      return;
    case 'create':
    case 'path':
      w.string(body.path);
      return;
    case 'create2':
      w.string(body.path);
      writeStat(w, body.stat);
      return;
    case 'stat':
      writeStat(w, body.stat);
      return;
    case 'getData':
      w.buffer(body.data);
      writeStat(w, body.stat);
      return;
    case 'getACL':
      writeAclList(w, body.acl);
      writeStat(w, body.stat);
      return;
    case 'getChildren':
      writeStrings(w, body.children);
      return;
    case 'getChildren2':
      writeStrings(w, body.children);
      writeStat(w, body.stat);
      return;
    case 'multi':
      for (const res of body.results) writeMultiResult(w, res);
      w.int(-1).bool(true).int(-1);
      return;
    case 'ephemerals':
      writeStrings(w, body.ephemerals);
      return;
    case 'allChildrenNumber':
      w.int(body.totalNumber);
      return;
    case 'whoAmI':
      w.vector(body.clientInfo, (ww, c) => ww.string(c.authScheme).string(c.user));
      return;
    case 'errorResponse':
      w.int(body.err);
      return;
  }
}

/** One whole reply frame; err ≠ 0 (or a null body) sends the header alone. */
/**
 * Replies are encoded into one reused writer and copied out at their exact size: per reply one
 * Buffer instead of a writer, its DataView, a 256-byte buffer (regrown for a 1 KiB getData) and
 * a view. Replies are encoded synchronously and never nest, so sharing it is safe.
 */
let replyScratch = new JuteWriter(4096);
const replyScratchKeepBytes = 64 * 1024;

export function encodeReply(header: ReplyHeader, body: Response | null): Buffer {
  const w = replyScratch.truncate(0);
  w.int(0).int(header.xid).long(header.zxid).int(header.err);
  if (header.err === 0 && body !== null) writeResponseBody(w, body);
  w.setIntAt(0, w.length - 4);
  const frame = w.toBuffer();
  // One huge reply (a big getData or getChildren) must not pin its memory forever.
  if (w.capacity > replyScratchKeepBytes) replyScratch = new JuteWriter(4096);
  return frame;
}

/** One whole notification frame: ReplyHeader(-1, zxid, 0) + WatcherEvent. */
export function encodeNotification(zxid: bigint, event: WatcherEvent): Buffer {
  const w = new JuteWriter(36 + event.path.length * 3);
  w.int(0)
    .int(Xid.notification)
    .long(zxid)
    .int(0)
    .int(event.type)
    .int(event.state)
    .string(event.path);
  return frameOf(w);
}

export function decodeWatcherEvent(r: JuteReader): WatcherEvent {
  return { type: r.int(), state: r.int(), path: r.stringOrEmpty() };
}

function readMultiResults(r: JuteReader): MultiResult[] {
  const results: MultiResult[] = [];
  for (;;) {
    const type = r.int();
    const done = r.bool();
    r.int();
    if (done) return results;
    switch (type) {
      case OpCode.create:
        results.push({ type, path: r.stringOrEmpty() });
        break;
      case OpCode.create2:
        results.push({ type, path: r.stringOrEmpty(), stat: readStat(r) });
        break;
      case OpCode.delete:
      case OpCode.check:
        results.push({ type });
        break;
      case OpCode.setData:
        results.push({ type, stat: readStat(r) });
        break;
      case OpCode.getData:
        results.push({ type, data: r.buffer(), stat: readStat(r) });
        break;
      case OpCode.getChildren:
        results.push({ type, children: readStrings(r) });
        break;
      case OpCode.error:
        results.push({ type, err: r.int() });
        break;
      default:
        throw new JuteDecodeError(`invalid multi result type ${type}`);
    }
  }
}

/**
 * The response body for a successful (err 0) reply to a request of `requestType` (client
 * side). Callers skip this when err ≠ 0: such replies carry no body.
 */
export function decodeResponse(requestType: number, r: JuteReader): Response {
  switch (requestType) {
    case OpCode.create:
      return { kind: 'create', path: r.stringOrEmpty() };
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return { kind: 'create2', path: r.stringOrEmpty(), stat: readStat(r) };
    case OpCode.exists:
    case OpCode.setData:
    case OpCode.setACL:
      return { kind: 'stat', stat: readStat(r) };
    case OpCode.getData:
    case OpCode.reconfig:
      return { kind: 'getData', data: r.buffer(), stat: readStat(r) };
    case OpCode.getACL:
      return { kind: 'getACL', acl: readAclList(r), stat: readStat(r) };
    case OpCode.getChildren:
      return { kind: 'getChildren', children: readStrings(r) };
    case OpCode.getChildren2:
      return { kind: 'getChildren2', children: readStrings(r), stat: readStat(r) };
    case OpCode.sync:
      return { kind: 'path', path: r.stringOrEmpty() };
    case OpCode.multi:
    case OpCode.multiRead:
      return { kind: 'multi', results: readMultiResults(r) };
    case OpCode.getEphemerals:
      return { kind: 'ephemerals', ephemerals: readStrings(r) };
    case OpCode.getAllChildrenNumber:
      return { kind: 'allChildrenNumber', totalNumber: r.int() };
    case OpCode.whoAmI:
      return {
        kind: 'whoAmI',
        clientInfo:
          r.vector((rr) => ({ authScheme: rr.stringOrEmpty(), user: rr.stringOrEmpty() })) ?? [],
      };
    case OpCode.addWatch:
      // Apache sends ErrorResponse(0); tolerate an empty body too.
      return r.atEnd()
        ? { kind: 'errorResponse', err: 0 }
        : { kind: 'errorResponse', err: r.int() };
    default:
      return { kind: 'none' };
  }
}
