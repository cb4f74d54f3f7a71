/** The reply body for an applied write (Apache FinalRequestProcessor's write cases). */
import { OpCode } from '../proto/opcodes.js';
import type { Response } from '../proto/requests.js';
import type { ApplyResult } from '../tree/data-tree.js';

export function writeResponse(
  requestType: number,
  result: ApplyResult,
): { err: number; response: Response | null } {
  // A multi answers err 0 with per-op results even when an op failed (§7).
  if (requestType === OpCode.multi && result.type === OpCode.multi) {
    return { err: 0, response: { kind: 'multi', results: result.multi ?? [] } };
  }
  if (result.err !== 0) return { err: result.err, response: null };
  switch (requestType) {
    case OpCode.create:
      return { err: 0, response: { kind: 'create', path: result.path! } };
    case OpCode.create2:
    case OpCode.createTTL:
    case OpCode.createContainer:
      return { err: 0, response: { kind: 'create2', path: result.path!, stat: result.stat! } };
    case OpCode.setData:
    case OpCode.setACL:
      return { err: 0, response: { kind: 'stat', stat: result.stat! } };
    case OpCode.reconfig:
      return {
        err: 0,
        response: { kind: 'getData', data: result.data ?? null, stat: result.stat! },
      };
    default:
      // delete, check, closeSession, createSession: no body.
      return { err: 0, response: null };
  }
}
