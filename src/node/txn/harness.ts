/** Drives tree + txn the way the server does (prepare → record → apply → applied); for tests. */
import type { Request, Response } from '../proto/requests.js';
import type { Id, LoggedTxn } from '../proto/types.js';
import { DataTree, type ApplyResult } from '../tree/data-tree.js';
import { processRead, type ReadResult } from '../tree/read.js';
import { PendingChanges } from './pending-changes.js';
import { prepareWrite, type PrepareConfig, type WriteRequest } from './prepare.js';
import { writeResponse } from './write-response.js';

export interface WriteOutcome {
  txn: LoggedTxn;
  result: ApplyResult;
  err: number;
  response: Response | null;
}

export class Harness {
  readonly tree: DataTree;
  readonly pending: PendingChanges;
  zxid: bigint;
  timeMs = 1_700_000_000_000;
  config: PrepareConfig = {
    extendedTypesEnabled: true,
    reconfigEnabled: false,
    standalone: true,
    enforceQuota: false,
  };

  constructor(tree = new DataTree()) {
    this.tree = tree;
    this.pending = new PendingChanges(tree);
    this.zxid = tree.lastProcessedZxid;
  }

  prepare(
    req: WriteRequest,
    opts: {
      sessionId?: bigint;
      authIds?: Id[];
      sessionValid?: boolean;
      deleteContainer?: boolean;
    } = {},
  ): LoggedTxn {
    const t = prepareWrite(req, {
      zxid: ++this.zxid,
      timeMs: this.timeMs,
      sessionId: opts.sessionId ?? 1n,
      cxid: 0,
      authIds: opts.authIds ?? [{ scheme: 'ip', id: '127.0.0.1' }],
      config: this.config,
      view: this.pending,
      sessionValid: opts.sessionValid ?? true,
      deleteContainer: opts.deleteContainer ?? false,
    });
    this.pending.record(t);
    return t;
  }

  applyTxn(t: LoggedTxn, requestType: number): WriteOutcome {
    const result = this.tree.apply(t);
    this.pending.applied(t.header.zxid);
    return { txn: t, result, ...writeResponse(requestType, result) };
  }

  write(req: WriteRequest, opts: Parameters<Harness['prepare']>[1] = {}): WriteOutcome {
    return this.applyTxn(this.prepare(req, opts), req.type);
  }

  read(
    req: Request,
    authIds: Id[] = [{ scheme: 'ip', id: '127.0.0.1' }],
    sessionId = 1n,
  ): ReadResult {
    return processRead(req, this.tree, { authIds, sessionId });
  }
}
