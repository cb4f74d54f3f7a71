/**
 * Runs a differential script against one server and returns its transcript: one line per
 * reply and per watch event, normalised so that two correct servers give identical lines
 * (times dropped, session ids named by slot, children and ephemerals sorted).
 */
import { OpCode } from '../../../src/node/proto/opcodes.js';
import type { Response } from '../../../src/node/proto/requests.js';
import { RawClient } from '../raw-client.js';
import type { Step } from './script.js';

const opName = new Map<number, string>(Object.entries(OpCode).map(([k, v]) => [v as number, k]));

interface Slot {
  client: RawClient;
  name: string;
  seen: number;
}

function normalise(value: unknown, sessions: Map<bigint, string>): unknown {
  if (typeof value === 'bigint') return sessions.get(value) ?? `0x${value.toString(16)}`;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (Array.isArray(value)) return value.map((v) => normalise(v, sessions));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'ctime' || k === 'mtime') continue;
      out[k] = normalise(v, sessions);
    }
    return out;
  }
  return value;
}

/** The server's child order is a hash set's; clients must not rely on it. */
function sortLists(r: Response | null): Response | null {
  if (!r) return r;
  if (r.kind === 'getChildren' || r.kind === 'getChildren2')
    return { ...r, children: [...r.children].sort() };
  if (r.kind === 'ephemerals') return { ...r, ephemerals: [...r.ephemerals].sort() };
  // The server keeps a connection's auth ids in a set: their order is unspecified.
  if (r.kind === 'whoAmI')
    return {
      ...r,
      clientInfo: [...r.clientInfo].sort((x, y) =>
        `${x.authScheme}:${x.user}`.localeCompare(`${y.authScheme}:${y.user}`),
      ),
    };
  if (r.kind === 'multi')
    return {
      ...r,
      results: r.results.map((x) =>
        x.type === OpCode.getChildren ? { ...x, children: [...x.children].sort() } : x,
      ),
    };
  return r;
}

/** A reply that never comes is a difference too, not a hang. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no reply to ${what} within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e as Error);
      },
    );
  });
}

export async function runScript(host: string, port: number, steps: Step[]): Promise<string[]> {
  const out: string[] = [];
  const slots = new Map<number, Slot>();
  const sessions = new Map<bigint, string>();
  const j = (v: unknown) => JSON.stringify(normalise(v, sessions));

  const drainEvents = async (i: number) => {
    for (const [s, slot] of [...slots.entries()].sort((a, b) => a[0] - b[0])) {
      if (slot.client.closed) continue;
      // A read on each session after the step: any notification the step caused for that
      // session is on the wire before this reply.
      await slot.client
        .request(OpCode.exists, Buffer.from([0, 0, 0, 1, 0x2f, 0]))
        .catch(() => undefined);
      for (const e of slot.client.events.slice(slot.seen))
        out.push(
          // No zxid: 3.8 sends -1, 3.9 the firing txn's (zk39Differences.notificationZxid).
          `#${i} event s${s} type=${e.type} state=${e.state} path=${e.path}`,
        );
      slot.seen = slot.client.events.length;
    }
  };

  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    switch (step.kind) {
      case 'connect':
      case 'reattach': {
        let name = `S${step.s}`;
        const opts: Parameters<typeof RawClient.connect>[2] = { timeOutMs: step.timeoutMs };
        if (step.kind === 'reattach') {
          const from = slots.get(step.from)!;
          from.client.drop();
          name = from.name;
          opts.sessionId = from.client.sessionId;
          opts.passwd = from.client.handshake.passwd;
          opts.lastZxidSeen = from.client.lastZxid;
        }
        const c = await withTimeout(RawClient.connect(host, port, opts), 10_000, 'connect');
        if (step.kind === 'connect') sessions.set(c.sessionId, name);
        if (step.kind === 'connect' ? step.ping !== false : true) c.startPinging(500);
        slots.set(step.s, { client: c, name, seen: 0 });
        const h = c.handshake;
        out.push(
          `#${i} ${step.kind} s${step.s} session=${j(h.sessionId)} timeOut=${h.timeOut} readOnly=${h.readOnly} passwdLength=${h.passwd.length}`,
        );
        break;
      }
      case 'req': {
        const slot = slots.get(step.s);
        const op = opName.get(step.req.type) ?? String(step.req.type);
        if (!slot || slot.client.closed) {
          out.push(`#${i} s${step.s} ${op} -> connection closed`);
          break;
        }
        try {
          const r = await withTimeout(slot.client.send(step.req, step.xid), 5_000, op);
          out.push(
            `#${i} s${step.s} ${op} ${j(step.req.request)} -> xid=${r.xid} err=${r.err} zxid=${r.zxid} ${j(sortLists(r.response))}`,
          );
        } catch (e) {
          out.push(`#${i} s${step.s} ${op} ${j(step.req.request)} -> ${(e as Error).message}`);
        }
        break;
      }
      case 'close': {
        const slot = slots.get(step.s)!;
        slot.client.stopPinging();
        const r = await withTimeout(slot.client.request(OpCode.closeSession), 5_000, 'close').catch(
          (e: Error) => e,
        );
        const closed = await slot.client.conn.waitClosed(5_000);
        out.push(
          `#${i} close s${step.s} -> ${r instanceof Error ? r.message : `err=${r.err} zxid=${r.zxid}`} closedByServer=${closed}`,
        );
        slot.client.drop();
        break;
      }
      case 'expire': {
        const slot = slots.get(step.s)!;
        const observer = slots.get(step.observer)!;
        const before = observer.client.events.length;
        slot.client.drop();
        await observer.client.waitEvents(before + 1, 20_000);
        const e = observer.client.events[before];
        out.push(
          `#${i} expire s${step.s} -> observer saw ${e ? `${e.type} ${e.path}` : 'nothing'}`,
        );
        break;
      }
    }
    await drainEvents(i);
    if (process.env.ZK_DIFF_TRACE) console.log(out.slice(-3).join('\n'));
  }
  for (const slot of slots.values()) slot.client.drop();
  return out;
}

/** The first differing line, with a little context, or null when the transcripts agree. */
export function firstDifference(a: string[], b: string[], labels: [string, string]): string | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    const ctx = a.slice(Math.max(0, i - 3), i).map((l) => `  ${l}`);
    return [
      `first difference at transcript line ${i}:`,
      ...ctx,
      `- ${labels[0]}: ${a[i] ?? '(end)'}`,
      `+ ${labels[1]}: ${b[i] ?? '(end)'}`,
    ].join('\n');
  }
  return null;
}
