/**
 * Failover time: a client connected to a follower writes continuously; the leader is SIGKILLed;
 * the figure is the time from the kill to the first acknowledged write of the new epoch (the
 * zxid's high 32 bits), i.e. a write the new leader committed. Then the killed server is started
 * again and must rejoin before the next trial.
 */
import { nowMs } from '../load/session.js';
import {
  addressOf,
  countsOf,
  createFolder,
  type EnsembleLike,
  hostsStartingAt,
  missingOnMembers,
  sleep,
  waitServing,
} from './common.js';
import { epochOf, ResilientWriter } from './writer.js';

export interface FailoverResult {
  killedSid: number;
  /** Server the writer was connected to when the leader died. */
  writerServer: string;
  /** Kill → first acknowledged write of a later epoch; null if none within the timeout. */
  failoverMs: number | null;
  /** Kill → first acknowledged write of any kind (a write already committed may ack late). */
  firstAckMs: number | null;
  newLeaderSid: number | null;
  acks: number;
  /** Acknowledged writes absent after the failover, worst over the running servers. */
  lost: number;
  reconnects: number;
  failures: Record<string, number>;
  reconnectErrors: Record<string, number>;
  /** Acknowledged writes missing per running server. */
  missingByServer: Record<string, number>;
  /** Zxids of the missing writes per server, when any are missing. */
  missingZxids?: Record<string, string>;
}

export interface FailoverOptions {
  root: string;
  trial: number;
  payloadBytes: number;
  timeoutMs: number;
  log: (msg: string) => void;
}

export async function failoverTrial(e: EnsembleLike, o: FailoverOptions): Promise<FailoverResult> {
  const leader = await e.waitForQuorum(60_000);
  const follower = e.members.find((m) => m !== leader && m.running);
  if (!follower) throw new Error('failover: no follower running');
  const dir = `${o.root}/failover-${o.trial}`;
  await createFolder(addressOf(leader), dir);
  const writer = await ResilientWriter.open({
    hosts: hostsStartingAt(e, follower),
    dir,
    tag: 'w',
    inflight: 1,
    payloadBytes: o.payloadBytes,
    writeTimeoutMs: 1_000,
    sessionTimeoutMs: 10_000,
  });
  writer.start();
  await sleep(1_000);
  if (writer.acks.length === 0) throw new Error('failover: no write acknowledged before the kill');
  const epochBefore = Math.max(...writer.acks.map((a) => epochOf(a.zxid)));
  const writerServer = writer.server;
  const killedAt = nowMs();
  await leader.kill();
  o.log(`    killed leader ${leader.sid}; writer on ${writerServer}`);
  const deadline = killedAt + o.timeoutMs;
  let failoverMs: number | null = null;
  let scanned = 0;
  while (failoverMs === null && nowMs() < deadline) {
    for (; scanned < writer.acks.length; scanned++) {
      const a = writer.acks[scanned]!;
      if (a.ackAt > killedAt && epochOf(a.zxid) > epochBefore) {
        failoverMs = a.ackAt - killedAt;
        break;
      }
    }
    if (failoverMs === null) await sleep(5);
  }
  const firstAfter = writer.acks.find((a) => a.ackAt > killedAt);
  // Keep writing a little on the new leader before checking.
  await sleep(500);
  await writer.stop();
  let newLeaderSid: number | null = null;
  let lost = 0;
  const missingByServer: Record<string, number> = {};
  let missingZxids: Record<string, string> | undefined;
  try {
    const newLeader = await e.waitForQuorum(30_000);
    newLeaderSid = newLeader.sid;
    const seen = await missingOnMembers(e, dir, writer.acks);
    lost = Math.max(0, ...seen.map((s) => s.missing));
    for (const x of seen) {
      missingByServer[x.server] = x.missing;
      if (x.missingZxids !== undefined) (missingZxids ??= {})[x.server] = x.missingZxids;
    }
  } finally {
    await leader.start();
    await waitServing(leader, 60_000);
  }
  return {
    killedSid: leader.sid,
    writerServer,
    failoverMs: failoverMs === null ? null : Math.round(failoverMs * 10) / 10,
    firstAckMs: firstAfter ? Math.round((firstAfter.ackAt - killedAt) * 10) / 10 : null,
    newLeaderSid,
    acks: writer.acks.length,
    lost,
    reconnects: writer.reconnects,
    failures: countsOf(writer.failures),
    reconnectErrors: countsOf(writer.reconnectErrors),
    missingByServer,
    ...(missingZxids === undefined ? {} : { missingZxids }),
  };
}
