/**
 * `zkts txnlog dump FILE [--json]` (the job of zkTxnLogToolkit.sh) and
 * `zkts txnlog truncate FILE [--offset N | --zxid Z]` (the repair step recovery asks for).
 */
import { readFile } from 'node:fs/promises';
import { OpCode } from '../node/proto/opcodes.js';
import type { ACL, LoggedTxn, Txn } from '../node/proto/types.js';
import { loadTxnCodec } from '../node/storage/txn-codec-loader.js';
import { MAX_ENTRY_PAYLOAD_BYTES, truncateLogFile } from '../node/storage/txn-log-file.js';
import { scanLog, TXNLOG_HEADER_BYTES, type ScanEnd } from '../node/storage/txn-log-format.js';
import { txnlogDumpUsage, txnlogTruncateUsage } from './storage-usage.js';
import type { CliIo } from './server-control.js';
import { hex, javaShortDateTime, opName, parseArgs, stdIo, toJson } from './storage-common.js';

const aclText = (acl: ACL[] | null) =>
  `[${(acl ?? []).map((a) => `${a.perms},s{'${a.id.scheme},'${a.id.id}}`).join(',')}]`;
const dataText = (d: Buffer | null) => (d === null ? '' : d.toString('utf8'));

function txnText(t: Txn): string {
  switch (t.type) {
    case OpCode.createSession:
      return `createSession ${t.timeOutMs}`;
    case OpCode.closeSession:
      return t.paths2Delete === null
        ? 'closeSession'
        : `closeSession v{${t.paths2Delete.map((p) => `'${p}`).join(',')}}`;
    case OpCode.create:
    case OpCode.create2:
      return `${opName(t.type)} ${t.path},${dataText(t.data)},${aclText(t.acl)},${t.ephemeral},${t.parentCVersion}`;
    case OpCode.createTTL:
      return `createTTL ${t.path},${dataText(t.data)},${aclText(t.acl)},${t.parentCVersion},${t.ttlMs}`;
    case OpCode.createContainer:
      return `createContainer ${t.path},${dataText(t.data)},${aclText(t.acl)},${t.parentCVersion}`;
    case OpCode.delete:
    case OpCode.deleteContainer:
      // TxnLogToolkit prints these records in jute CSV, where a ustring starts with '.
      return `${opName(t.type)} '${t.path}`;
    case OpCode.setData:
    case OpCode.reconfig:
      return `${opName(t.type)} ${t.path},${dataText(t.data)},${t.version}`;
    case OpCode.setACL:
      return `setACL ${t.path},${aclText(t.acl)},${t.version}`;
    case OpCode.check:
      return `check ${t.path},${t.version}`;
    case OpCode.error:
      return `error ${t.err}`;
    case OpCode.multi:
      return `multi v{${t.txns.map(txnText).join('; ')}}`;
  }
}

function endText(end: ScanEnd, count: number): string {
  if (end.kind === 'clean') return `EOF reached after ${count} txns.`;
  if (end.kind === 'torn')
    return `Partial entry at offset ${end.offset} (${end.reason}) after ${count} txns: a write cut short by a crash; the server truncates it on start.`;
  return `CORRUPTION at offset ${end.offset}: ${end.reason} (after ${count} txns). To keep the entries before it: zkts txnlog truncate <file> --offset ${end.offset}`;
}

export async function runTxnlogDump(argv: string[], io: CliIo = stdIo): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['--json', '--help', '-h', '-d', '--detail']);
  } catch (err) {
    io.err(`zkts txnlog dump: ${(err as Error).message}\n${txnlogDumpUsage}`);
    return 2;
  }
  if (args.flags.has('--help') || args.flags.has('-h')) {
    io.out(txnlogDumpUsage);
    return 0;
  }
  const file = args.positional[0];
  if (file === undefined || args.positional.length > 1) {
    io.err(txnlogDumpUsage);
    return 2;
  }
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    io.err(`zkts txnlog dump: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const codec = await loadTxnCodec();
  const scan = scanLog(buf, MAX_ENTRY_PAYLOAD_BYTES);
  if (scan.end.kind === 'bad-header') {
    io.err(`zkts txnlog dump: ${file}: not a txn log (${scan.end.reason})\n`);
    return 1;
  }
  const entries: { offset: number; txn: LoggedTxn | null; error?: string }[] = scan.entries.map(
    (e) => {
      try {
        return { offset: e.offset, txn: codec.decode(e.payload) };
      } catch (err) {
        return {
          offset: e.offset,
          txn: null,
          error: err instanceof Error ? err.message : String(err),
        };
      }
    },
  );
  const version = buf.readInt32BE(4);
  const dbid = buf.readBigInt64BE(8);
  if (args.flags.has('--json')) {
    io.out(
      `${toJson({
        file,
        version,
        dbid,
        entries: entries.map((e) =>
          e.txn
            ? {
                offset: e.offset,
                session: hex(e.txn.header.clientId),
                cxid: e.txn.header.cxid,
                zxid: hex(e.txn.header.zxid),
                time: e.txn.header.time,
                type: opName(e.txn.header.type),
                txn: e.txn.txn,
                digest: e.txn.digest ?? null,
              }
            : { offset: e.offset, error: e.error },
        ),
        end: scan.end,
      })}\n`,
    );
  } else {
    const lines = [
      `ZooKeeper Transactional Log File with dbid ${dbid} txnlog format version ${version}`,
    ];
    for (const e of entries) {
      if (!e.txn) {
        lines.push(`offset ${e.offset}: undecodable entry: ${e.error}`);
        continue;
      }
      const h = e.txn.header;
      lines.push(
        `${javaShortDateTime(h.time)} session ${hex(h.clientId)} cxid ${hex(h.cxid)} zxid ${hex(h.zxid)} ${txnText(e.txn.txn)}`,
      );
    }
    lines.push(endText(scan.end, entries.length));
    io.out(`${lines.join('\n')}\n`);
  }
  return scan.end.kind === 'corrupt' || entries.some((e) => !e.txn) ? 1 : 0;
}

export async function runTxnlogTruncate(argv: string[], io: CliIo = stdIo): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['--help', '-h']);
  } catch (err) {
    io.err(`zkts txnlog truncate: ${(err as Error).message}\n${txnlogTruncateUsage}`);
    return 2;
  }
  if (args.flags.has('--help') || args.flags.has('-h')) {
    io.out(txnlogTruncateUsage);
    return 0;
  }
  const file = args.positional[0];
  // The older placeholder usage took the zxid as a second positional argument.
  const zxidArg = (args.flags.get('--zxid') as string | undefined) ?? args.positional[1];
  const offsetArg = args.flags.get('--offset') as string | undefined;
  if (
    file === undefined ||
    args.positional.length > 2 ||
    (zxidArg !== undefined && offsetArg !== undefined)
  ) {
    io.err(txnlogTruncateUsage);
    return 2;
  }
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    io.err(`zkts txnlog truncate: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const scan = scanLog(buf, MAX_ENTRY_PAYLOAD_BYTES);
  if (scan.end.kind === 'bad-header') {
    io.err(`zkts txnlog truncate: ${file}: not a txn log (${scan.end.reason})\n`);
    return 1;
  }
  let cut: number;
  if (offsetArg !== undefined) {
    if (!/^\d+$/.test(offsetArg)) {
      io.err(`zkts txnlog truncate: --offset must be a byte offset, not ${offsetArg}\n`);
      return 2;
    }
    cut = Number(offsetArg);
    const boundaries = new Set([
      TXNLOG_HEADER_BYTES,
      ...scan.entries.map((e) => e.offset),
      scan.end.offset,
    ]);
    if (!boundaries.has(cut)) {
      io.err(
        `zkts txnlog truncate: offset ${cut} is not the start of an entry in ${file}; valid offsets: the first bad entry is at ${scan.end.offset}\n`,
      );
      return 1;
    }
  } else if (zxidArg !== undefined) {
    let zxid: bigint;
    try {
      zxid = BigInt(zxidArg);
    } catch {
      io.err(`zkts txnlog truncate: bad zxid ${zxidArg}\n`);
      return 2;
    }
    const codec = await loadTxnCodec();
    const after = scan.entries.find((e) => codec.decode(e.payload).header.zxid > zxid);
    cut = after ? after.offset : scan.end.offset;
  } else {
    cut = scan.end.offset;
  }
  const kept = scan.entries.filter((e) => e.offset < cut).length;
  const dropped = scan.entries.length - kept;
  await truncateLogFile(file, cut);
  io.out(
    `${file}: truncated at byte offset ${cut}; kept ${kept} whole entries, removed ${dropped} whole entries` +
      (scan.end.kind === 'clean' && cut >= scan.end.offset
        ? ' (and the zero padding)'
        : ' and everything after them') +
      '.\n',
  );
  return 0;
}
