/** Leader's choice of DIFF / TRUNC / SNAP for one learner (quorum-protocol.md §4.4). */
import type { LoggedTxn } from '../../proto/types.js';
import { epochOf, isEpochStart } from '../wire/zxid.js';

export type SyncPlan =
  | { mode: 'diff'; zxid: bigint; txns: LoggedTxn[] }
  | { mode: 'trunc'; zxid: bigint; txns: LoggedTxn[] }
  | { mode: 'snap'; zxid: bigint };

/**
 * @param committedLog the leader's last committed txns, ascending (may be empty)
 * @param lastProcessedZxid the leader's last applied zxid
 */
export function planSync(
  peerLastZxid: bigint,
  committedLog: readonly LoggedTxn[],
  lastProcessedZxid: bigint,
): SyncPlan {
  if (peerLastZxid === lastProcessedZxid) return { mode: 'diff', zxid: peerLastZxid, txns: [] };
  const minLog = committedLog[0]?.header.zxid ?? lastProcessedZxid;
  const maxLog = committedLog.at(-1)?.header.zxid ?? lastProcessedZxid;
  const newEpochZxid = isEpochStart(peerLastZxid);
  if (peerLastZxid > maxLog && !newEpochZxid) return { mode: 'trunc', zxid: maxLog, txns: [] };
  if (committedLog.length > 0 && minLog <= peerLastZxid && peerLastZxid <= maxLog) {
    let prev = 0n;
    let i = 0;
    while (i < committedLog.length && committedLog[i]!.header.zxid < peerLastZxid)
      prev = committedLog[i++]!.header.zxid;
    const after = committedLog.slice(i).filter((t) => t.header.zxid > peerLastZxid);
    const first = committedLog[i];
    if (first !== undefined && first.header.zxid === peerLastZxid)
      return { mode: 'diff', zxid: maxLog, txns: after };
    if (newEpochZxid) return { mode: 'diff', zxid: maxLog, txns: after };
    // The peer holds txns the leader never committed: cut them if they are in the same epoch.
    if (epochOf(prev) === epochOf(peerLastZxid) && prev !== 0n)
      return { mode: 'trunc', zxid: prev, txns: after };
    return { mode: 'snap', zxid: lastProcessedZxid };
  }
  return { mode: 'snap', zxid: lastProcessedZxid };
}
