/** `zkts snapshot dump FILE [--json] [--data]`: the job of zkSnapShotToolkit.sh (SnapshotFormatter). */
import { readSnapshotFile } from '../node/storage/snapshot-file.js';
import type { DecodedSnapshot } from '../node/storage/snapshot-format.js';
import { snapshotDumpUsage } from './storage-usage.js';
import type { CliIo } from './server-control.js';
import { hex, hex14, javaDate, parseArgs, stdIo, toJson } from './storage-common.js';

function formatText(s: DecodedSnapshot, withData: boolean): string {
  const lines: string[] = [`ZNode Details (count=${s.nodes.length}):`];
  const ephemerals = new Map<bigint, number>();
  let lastZxid = 0n;
  for (const n of s.nodes) {
    const st = n.stat;
    if (st.mzxid > lastZxid) lastZxid = st.mzxid;
    if (st.czxid > lastZxid) lastZxid = st.czxid;
    if (st.ephemeralOwner !== 0n && s.sessions.has(st.ephemeralOwner))
      ephemerals.set(st.ephemeralOwner, (ephemerals.get(st.ephemeralOwner) ?? 0) + 1);
    lines.push('----', n.path === '' ? '/' : n.path);
    lines.push(
      `  cZxid = ${hex14(st.czxid)}`,
      `  ctime = ${javaDate(st.ctime)}`,
      `  mZxid = ${hex14(st.mzxid)}`,
      `  mtime = ${javaDate(st.mtime)}`,
      `  pZxid = ${hex14(st.pzxid)}`,
      `  cversion = ${st.cversion}`,
      `  dataVersion = ${st.version}`,
      `  aclVersion = ${st.aversion}`,
      `  ephemeralOwner = ${hex14(st.ephemeralOwner)}`,
      `  dataLength = ${n.data?.length ?? 0}`,
    );
    if (withData) lines.push(`  data = ${n.data === null ? 'null' : n.data.toString('base64')}`);
  }
  lines.push('----', 'Session Details (sid, timeout, ephemeralCount):');
  for (const [id, timeout] of s.sessions)
    lines.push(`${hex(id)}, ${timeout}, ${ephemerals.get(id) ?? 0}`);
  lines.push(
    '----',
    `Last zxid: ${hex(s.lastProcessedZxid && s.lastProcessedZxid > lastZxid ? s.lastProcessedZxid : lastZxid)}`,
  );
  if (s.zxidDigest && s.zxidDigest.zxid !== 0n)
    lines.push(
      `Digest: zxid ${hex(s.zxidDigest.zxid)}, version ${s.zxidDigest.digestVersion}, digest ${BigInt.asUintN(64, s.zxidDigest.digest)}`,
    );
  return `${lines.join('\n')}\n`;
}

export function snapshotToJson(file: string, s: DecodedSnapshot): unknown {
  return {
    file,
    sessions: [...s.sessions].map(([id, timeoutMs]) => ({ id: hex(id), timeoutMs })),
    acls: [...s.acls].map(([index, acl]) => ({ index, acl })),
    nodes: s.nodes.map((n) => ({
      path: n.path === '' ? '/' : n.path,
      data: n.data,
      aclIndex: n.aclIndex,
      stat: { ...n.stat, ephemeralOwner: hex(n.stat.ephemeralOwner) },
    })),
    zxidDigest: s.zxidDigest,
    lastProcessedZxid: s.lastProcessedZxid,
    seals: s.seals,
  };
}

export async function runSnapshotDump(argv: string[], io: CliIo = stdIo): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['--json', '--data', '-d', '--help', '-h']);
  } catch (err) {
    io.err(`zkts snapshot dump: ${(err as Error).message}\n${snapshotDumpUsage}`);
    return 2;
  }
  if (args.flags.has('--help') || args.flags.has('-h')) {
    io.out(snapshotDumpUsage);
    return 0;
  }
  const file = args.positional[0];
  if (file === undefined || args.positional.length > 1) {
    io.err(snapshotDumpUsage);
    return 2;
  }
  let s: DecodedSnapshot;
  try {
    s = await readSnapshotFile(file);
  } catch (err) {
    io.err(`zkts snapshot dump: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (args.flags.has('--json')) io.out(`${toJson(snapshotToJson(file, s))}\n`);
  else io.out(formatText(s, args.flags.has('--data') || args.flags.has('-d')));
  return 0;
}
