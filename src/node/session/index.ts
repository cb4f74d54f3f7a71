export { sessionPassword } from './password.js';
export { SessionIdGenerator, sessionIdHex } from './session-id.js';
export { negotiateTimeoutMs } from './timeout.js';
export {
  SessionTable,
  formatSessionDump,
  roundToNextTick,
  type Session,
  type SessionDump,
  type SessionDumpBucket,
} from './session-table.js';
