import { assert } from '../../shared/assert.js';
import { sessionIdHex } from './session-id.js';

export interface Session {
  readonly id: bigint;
  timeoutMs: number;
  /** Set once expiry or closeSession has begun; such a session can no longer be touched. */
  closing: boolean;
  /** Monotonic ms of the bucket this session sits in. */
  expiryMs: number;
}

export interface SessionDumpBucket {
  expiryMs: number;
  /** formatDate(expiryMs): Java's Date.toString() of the matching wall time, from the shell. */
  expiresAt: string;
  sessionIds: bigint[];
}

/** What `dump` shows of the session tracker: `Session Sets (buckets)/(sessions):` then buckets. */
export interface SessionDump {
  bucketCount: number;
  sessionCount: number;
  buckets: SessionDumpBucket[];
}

/**
 * Live sessions and their expiry buckets (Apache's SessionTrackerImpl over an ExpiryQueue).
 * A session's deadline is rounded up to the next multiple of tickTime strictly after
 * now + timeout, so one tick expires a whole bucket at once. Time is monotonic ms, passed in.
 */
export class SessionTable implements Iterable<Session> {
  private readonly sessions = new Map<bigint, Session>();
  /** Bucket deadline → members. Emptied buckets stay until their time passes, as in Apache. */
  private readonly buckets = new Map<number, Set<bigint>>();

  constructor(readonly tickTimeMs: number) {
    assert(Number.isInteger(tickTimeMs) && tickTimeMs > 0, `bad tickTimeMs ${tickTimeMs}`);
  }

  /** Adds the session (or, if known, takes the new timeout) and schedules its expiry. */
  create(id: bigint, timeoutMs: number, nowMs: number): Session {
    let session = this.sessions.get(id);
    if (session === undefined) {
      session = { id, timeoutMs, closing: false, expiryMs: -1 };
      this.sessions.set(id, session);
    } else {
      session.timeoutMs = timeoutMs;
    }
    this.schedule(session, nowMs);
    return session;
  }

  /**
   * Any frame from the client refreshes its session; false if unknown or closing. Apache
   * touches with the connection's negotiated timeout, so a reconnect may pass a new one.
   */
  touch(id: bigint, nowMs: number, timeoutMs?: number): boolean {
    const session = this.sessions.get(id);
    if (session === undefined || session.closing) return false;
    if (timeoutMs !== undefined) session.timeoutMs = timeoutMs;
    this.schedule(session, nowMs);
    return true;
  }

  /** A reconnect negotiated a new timeout: same as touch(id, nowMs, timeoutMs). */
  setTimeout(id: bigint, timeoutMs: number, nowMs: number): boolean {
    return this.touch(id, nowMs, timeoutMs);
  }

  /** Known and not closing: a reconnect or a request may still use it. */
  isActive(id: bigint): boolean {
    const session = this.sessions.get(id);
    return session !== undefined && !session.closing;
  }

  setClosing(id: bigint): void {
    const session = this.sessions.get(id);
    if (session !== undefined) session.closing = true;
  }

  remove(id: bigint): boolean {
    const session = this.sessions.get(id);
    if (session === undefined) return false;
    this.buckets.get(session.expiryMs)?.delete(id);
    this.sessions.delete(id);
    return true;
  }

  get(id: bigint): Session | undefined {
    return this.sessions.get(id);
  }

  has(id: bigint): boolean {
    return this.sessions.has(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  [Symbol.iterator](): Iterator<Session> {
    return this.sessions.values();
  }

  /**
   * Drops every bucket whose deadline is at or before nowMs and returns its sessions, now
   * marked closing. They stay in the table until remove() (after their closeSession txn).
   * A session that was already closing (its client sent closeSession) is returned too, as
   * Apache's tracker does: that retries a lost closeSession once. A closing session is never
   * rescheduled, so no id comes back a third time.
   */
  expire(nowMs: number): bigint[] {
    const due = [...this.buckets.keys()].filter((t) => t <= nowMs).sort((a, b) => a - b);
    const expired: bigint[] = [];
    for (const t of due) {
      for (const id of this.buckets.get(t)!) {
        const session = this.sessions.get(id);
        if (session === undefined) continue;
        session.closing = true;
        expired.push(id);
      }
      this.buckets.delete(t);
    }
    return expired;
  }

  /** The earliest bucket deadline, so the shell knows when to call expire(); undefined if none. */
  nextExpiryMs(): number | undefined {
    let min: number | undefined;
    for (const t of this.buckets.keys()) if (min === undefined || t < min) min = t;
    return min;
  }

  dump(formatDate: (monotonicMs: number) => string): SessionDump {
    const times = [...this.buckets.keys()].sort((a, b) => a - b);
    return {
      bucketCount: times.length,
      sessionCount: this.sessions.size,
      buckets: times.map((t) => ({
        expiryMs: t,
        expiresAt: formatDate(t),
        sessionIds: [...this.buckets.get(t)!],
      })),
    };
  }

  private schedule(session: Session, nowMs: number): void {
    const expiryMs = roundToNextTick(nowMs + session.timeoutMs, this.tickTimeMs);
    if (expiryMs === session.expiryMs) return;
    this.buckets.get(session.expiryMs)?.delete(session.id);
    let bucket = this.buckets.get(expiryMs);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(expiryMs, bucket);
    }
    bucket.add(session.id);
    session.expiryMs = expiryMs;
  }
}

/** ExpiryQueue.roundToNextInterval: the next multiple of tickMs strictly after timeMs. */
export function roundToNextTick(timeMs: number, tickMs: number): number {
  return (Math.floor(timeMs / tickMs) + 1) * tickMs;
}

/** The `Session Sets …` block of `dump` (ExpiryQueue.dump, prefixed "Session " by the tracker). */
export function formatSessionDump(dump: SessionDump): string {
  let out = `Session Sets (${dump.bucketCount})/(${dump.sessionCount}):\n`;
  for (const b of dump.buckets) {
    out += `${b.sessionIds.length} expire at ${b.expiresAt}:\n`;
    for (const id of b.sessionIds) out += `\t${sessionIdHex(id)}\n`;
  }
  return out;
}
