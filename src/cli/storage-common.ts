/** Helpers shared by the storage tools: output sink, Java-like dates, JSON with bigints. */
import type { CliIo } from './server-control.js';
import { OpCode } from '../node/proto/opcodes.js';

export const stdIo: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** java.util.Date.toString() in UTC: "Thu Jan 01 00:00:00 UTC 1970". */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(
    d.getUTCMinutes(),
  )}:${p2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** DateFormat SHORT date, LONG time (en-US) in UTC: "11/14/23, 10:13:20 PM UTC". */
export function javaShortDateTime(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours() % 12 || 12;
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${p2(d.getUTCFullYear() % 100)}, ${h}:${p2(
    d.getUTCMinutes(),
  )}:${p2(d.getUTCSeconds())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'} UTC`;
}

/** Zxids as SnapshotFormatter prints them: 0x + at least 14 hex digits. */
export function hex14(v: bigint): string {
  return `0x${BigInt.asUintN(64, v).toString(16).padStart(14, '0')}`;
}

export function hex(v: bigint | number): string {
  return `0x${(typeof v === 'bigint' ? BigInt.asUintN(64, v) : v >>> 0).toString(16)}`;
}

/** JSON for machines: bigints as decimal strings, Buffers as {utf8?, base64}. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    function (this: unknown, _k, v: unknown) {
      if (typeof v === 'bigint') return v.toString();
      if (
        v &&
        typeof v === 'object' &&
        (v as { type?: unknown }).type === 'Buffer' &&
        Array.isArray((v as { data?: unknown }).data)
      ) {
        return Buffer.from((v as { data: number[] }).data).toString('base64');
      }
      return v;
    },
    2,
  );
}

const opNames = new Map<number, string>(Object.entries(OpCode).map(([k, v]) => [v, k]));

export function opName(type: number): string {
  return opNames.get(type) ?? `unknown(${type})`;
}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

/** --flag value / --flag=value / -n value; booleans listed in boolFlags take no value. */
export function parseArgs(argv: string[], boolFlags: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-') && a.length > 1) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (boolFlags.includes(name)) flags.set(name, true);
      else if (eq > 0) flags.set(name, a.slice(eq + 1));
      else {
        const v = argv[++i];
        if (v === undefined) throw new Error(`${name} needs a value`);
        flags.set(name, v);
      }
    } else positional.push(a);
  }
  return { positional, flags };
}
