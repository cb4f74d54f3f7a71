/**
 * Handoff pause (zkts only; Apache has no such command): one writer per server keeps creating
 * nodes, the leader is sent the four-letter word `ydld` (it must hand leadership to another
 * server), and the figure is the longest gap between acknowledged writes around the handoff,
 * with a check that no acknowledged write was lost.
 */
import { fourLetterWord } from '../../src/client/zk-client.js';
import { nowMs } from '../load/session.js';
import {
  countsOf,
  createFolder,
  addressOf,
  type EnsembleLike,
  hostsStartingAt,
  type MemberLike,
  missingOnMembers,
  sleep,
} from './common.js';
import { epochOf, ResilientWriter } from './writer.js';

export interface HandoffResult {
  /** Another server became leader (what ydld promises). */
  available: boolean;
  /** A write of a later epoch was acknowledged (some election happened, maybe the same leader). */
  newEpoch: boolean;
  /** What the leader answered to `ydld` (trimmed, first 200 characters). */
  reply: string;
  oldLeaderSid: number;
  /** Leader once the ensemble settled after ydld (may be the old one). */
  leaderAfterSid: number | null;
  /** ydld → another server reports Mode: leader (polled). */
  newLeaderMs: number | null;
  /** ydld → first acknowledged write of the new epoch. */
  firstNewEpochAckMs: number | null;
  /** Longest gap between consecutive acknowledged writes (all writers) from 1 s before ydld. */
  maxGapMs: number;
  /** The same over the second before ydld, for scale. */
  baselineMaxGapMs: number;
  acks: number;
  /** Highest epoch among the writes acknowledged before ydld. */
  epochBefore: number;
  /** Acknowledged writes missing afterwards, worst over the running servers; null: not checked. */
  lost: number | null;
  /** Why the lost-write check could not run (a server never served again). */
  checkError?: string;
  missingByServer: Record<string, number>;
  /** Zxids of the missing writes per server, when any are missing. */
  missingZxids?: Record<string, string>;
  failures: Record<string, number>;
}

export interface HandoffOptions {
  root: string;
  trial: number;
  payloadBytes: number;
  inflightPerWriter: number;
  timeoutMs: number;
  log: (msg: string) => void;
}

async function waitOtherLeader(
  e: EnsembleLike,
  old: MemberLike,
  deadline: number,
): Promise<MemberLike | null> {
  while (nowMs() < deadline) {
    for (const m of e.members)
      if (m !== old && m.running && (await m.mode()) === 'leader') return m;
    await sleep(20);
  }
  return null;
}

function maxGap(times: number[], from: number, to: number): number {
  const ts = times.filter((t) => t >= from && t <= to);
  let gap = 0;
  for (let i = 1; i < ts.length; i++) gap = Math.max(gap, ts[i]! - ts[i - 1]!);
  return gap;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export async function handoffTrial(e: EnsembleLike, o: HandoffOptions): Promise<HandoffResult> {
  const leader = await e.waitForQuorum(60_000);
  const dir = `${o.root}/handoff-${o.trial}`;
  await createFolder(addressOf(leader), dir);
  const writers = await Promise.all(
    e.members.map((m) =>
      ResilientWriter.open({
        hosts: hostsStartingAt(e, m),
        dir,
        tag: `w${m.sid}`,
        inflight: o.inflightPerWriter,
        payloadBytes: o.payloadBytes,
        writeTimeoutMs: 1_000,
        sessionTimeoutMs: 10_000,
      }),
    ),
  );
  for (const w of writers) w.start();
  await sleep(2_000);
  const epochBefore = Math.max(0, ...writers.flatMap((w) => w.acks.map((a) => epochOf(a.zxid))));
  const askedAt = nowMs();
  // Not the harness's 2 s four-letter word: a loaded machine may take longer to answer.
  const reply = await fourLetterWord(leader.host, leader.clientPort, 'ydld', 10_000).then(
    (r) => r.trim().slice(0, 200),
    (err: unknown) => `(no reply: ${err instanceof Error ? err.message : String(err)})`,
  );
  o.log(`    ydld to leader ${leader.sid}: ${JSON.stringify(reply)}`);
  const deadline = askedAt + o.timeoutMs;
  const waitNewEpoch = async (): Promise<number | null> => {
    while (nowMs() < deadline) {
      const t = writers
        .flatMap((w) => w.acks)
        .filter((a) => a.ackAt > askedAt && epochOf(a.zxid) > epochBefore)
        .map((a) => a.ackAt);
      if (t.length > 0) return Math.min(...t) - askedAt;
      await sleep(10);
    }
    return null;
  };
  const [next, firstNewEpoch] = await Promise.all([
    waitOtherLeader(e, leader, deadline).then((m) => ({ m, at: nowMs() })),
    waitNewEpoch(),
  ]);
  const newLeaderMs = next.m === null ? null : next.at - askedAt;
  await sleep(1_000);
  const endAt = nowMs();
  await Promise.all(writers.map((w) => w.stop()));
  const acks = writers.flatMap((w) => w.acks);
  const times = acks.map((a) => a.ackAt).sort((a, b) => a - b);
  const leaderAfter = await e.waitForQuorum(30_000).then(
    (m) => m.sid,
    () => null,
  );
  // A failed check must not hide the pause measured above: it is reported with the figures.
  let checkError: string | undefined;
  const seen = await missingOnMembers(e, dir, acks).catch((err: unknown) => {
    checkError = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return null;
  });
  const failures = new Map<string, number>();
  for (const w of writers)
    for (const [k, v] of w.failures) failures.set(k, (failures.get(k) ?? 0) + v);
  return {
    available: next.m !== null,
    newEpoch: firstNewEpoch !== null,
    reply,
    oldLeaderSid: leader.sid,
    leaderAfterSid: leaderAfter,
    newLeaderMs: newLeaderMs === null ? null : r1(newLeaderMs),
    firstNewEpochAckMs: firstNewEpoch === null ? null : r1(firstNewEpoch),
    maxGapMs: r1(maxGap(times, askedAt - 1_000, endAt)),
    baselineMaxGapMs: r1(maxGap(times, askedAt - 1_000, askedAt)),
    acks: acks.length,
    lost: seen === null ? null : Math.max(0, ...seen.map((x) => x.missing)),
    missingByServer: Object.fromEntries((seen ?? []).map((x) => [x.server, x.missing])),
    ...(seen?.some((x) => x.missingZxids !== undefined)
      ? {
          missingZxids: Object.fromEntries(
            seen.filter((x) => x.missingZxids).map((x) => [x.server, x.missingZxids!]),
          ),
        }
      : {}),
    epochBefore,
    ...(checkError === undefined ? {} : { checkError }),
    failures: countsOf(failures),
  };
}
