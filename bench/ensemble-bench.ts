/**
 * `npm run bench:ensemble`: the issue-4 benchmark. For each repetition, Apache ZooKeeper 3.8 and
 * zkts each run as a fresh 3-server ensemble on the same addresses (order alternating between
 * repetitions): throughput of get, set and 90/10 mixed with sessions spread over the servers,
 * then leader-SIGKILL failover trials, then (zkts only) `ydld` handoff trials. A target that
 * cannot run (zkts before ensemble mode, or without ydld) is reported as unavailable and the
 * run goes on. Writes bench/results/issue4-<timestamp>.{json,md} after every target, so a run
 * cut short keeps what it measured, and prints the markdown at the end.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { startEnsemble, type Ensemble } from '../test/support/ensemble.js';
import { runLoad } from './load/generator.js';
import { prepareTree } from './load/prepare.js';
import { repoRoot } from './load/servers.js';
import { failoverTrial } from './ensemble/failover.js';
import { handoffTrial } from './ensemble/handoff.js';
import {
  ensembleUsage,
  parseEnsembleOptions,
  type EnsembleBenchOptions,
  type EnsembleTarget,
} from './ensemble/options.js';
import { markdown, summarise, type BenchRecord } from './ensemble/report.js';

/** zkServer.sh's heap on this machine and the JVM's default collector (the harness uses less). */
const apacheJvmFlags = ['-Xmx1000m', '-XX:-UseSerialGC', '-XX:+UseG1GC'];

const log = (msg: string) => process.stderr.write(`[bench:ensemble] ${msg}\n`);
const message = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 3).join(' / ');

async function measureTarget(
  rec: BenchRecord,
  o: EnsembleBenchOptions,
  rep: number,
  target: EnsembleTarget,
  runTag: string,
): Promise<void> {
  let ens: Ensemble;
  try {
    ens = await startEnsemble({
      kind: target,
      size: 3,
      hostPrefix: o.hostPrefix,
      config: { maxClientCnxns: '0' },
      ...(target === 'apache' ? { jvmFlags: apacheJvmFlags } : {}),
    });
    const leader = await ens.waitForQuorum(60_000);
    log(`  ${target}: quorum, leader ${leader.sid}`);
  } catch (err) {
    log(`  ${target}: ensemble did not start: ${message(err)}`);
    rec.unavailable.push({ rep, target, what: 'ensemble', reason: message(err) });
    return;
  }
  try {
    const root = `/zkbench-${runTag}-${rep}`;
    await prepareTree(ens.connectString, root, o.keys, o.payloadBytes);
    const addresses = ens.members.map((m) => ({ host: m.host, port: m.clientPort }));
    for (const op of o.ops) {
      const pids = ens.members.map((m) => m.pid).filter((p): p is number => p !== undefined);
      const result = await runLoad({
        host: addresses[0]!.host,
        port: addresses[0]!.port,
        addresses,
        op,
        root,
        keys: o.keys,
        payloadBytes: o.payloadBytes,
        sessions: o.sessions,
        inflight: o.inflight,
        workers: o.workers,
        warmupMs: o.warmupSec * 1000,
        durationMs: o.durationSec * 1000,
        count: null,
        serverPid: pids,
        tag: op,
      });
      const errs =
        result.errors > 0 ? `, ${result.errors} errors (first ${result.firstError})` : '';
      log(
        `  ${op} ${target}: ${result.opsPerSec} ops/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms; ` +
          `servers ${result.cpu.serverCores?.toFixed(2) ?? '?'} cores, machine ${(result.cpu.machineBusy * 100).toFixed(0)} % busy${errs}`,
      );
      rec.load.push({ rep, target, result });
    }
    for (let t = 1; t <= o.failovers; t++) {
      const result = await failoverTrial(ens, {
        root,
        trial: t,
        payloadBytes: o.payloadBytes,
        timeoutMs: 30_000,
        log,
      }).catch((err: unknown) => {
        log(`  failover ${target} #${t}: failed: ${message(err)}`);
        rec.unavailable.push({ rep, target, what: `failover #${t}`, reason: message(err) });
        return null;
      });
      if (result === null) continue;
      log(
        `  failover ${target} #${t}: ${result.failoverMs ?? 'no write'} ms (killed ${result.killedSid}, ` +
          `new leader ${result.newLeaderSid}, lost ${result.lost})`,
      );
      rec.failover.push({ rep, target, result });
    }
    if (target === 'zkts')
      for (let t = 1; t <= o.handoffs; t++) {
        const result = await handoffTrial(ens, {
          root,
          trial: t,
          payloadBytes: o.payloadBytes,
          inflightPerWriter: 4,
          timeoutMs: 10_000,
          log,
        }).catch((err: unknown) => {
          log(`  handoff #${t}: failed: ${message(err)}`);
          rec.unavailable.push({ rep, target, what: `handoff #${t}`, reason: message(err) });
          return null;
        });
        if (result === null) continue;
        log(
          `  handoff #${t}: ${result.available ? 'handed off' : 'no other leader'}, leader ` +
            `${result.oldLeaderSid} → ${result.leaderAfterSid ?? '?'}, longest gap ${result.maxGapMs} ms, ` +
            `lost ${result.lost ?? `not checked (${result.checkError})`}`,
        );
        rec.handoff.push({ rep, result });
      }
  } catch (err) {
    log(`  ${target}: failed: ${message(err)}`);
    rec.unavailable.push({ rep, target, what: 'measurement', reason: message(err) });
  } finally {
    await ens.stop();
  }
}

async function main(): Promise<void> {
  const o = parseEnsembleOptions(process.argv.slice(2));
  if (o === 'help') {
    console.log(ensembleUsage);
    return;
  }
  const startedAt = new Date().toISOString();
  const machine =
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `node ${process.version}, load average at start ${loadavg()[0]!.toFixed(2)}.`;
  log(machine);
  const rec: BenchRecord = {
    startedAt,
    machine,
    options: o,
    load: [],
    failover: [],
    handoff: [],
    unavailable: [],
  };
  const outDir = resolve(repoRoot(), o.outDir);
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `issue4-${startedAt.replace(/[:.]/g, '-')}`);
  const save = (): string => {
    const summary = summarise(rec);
    const md = markdown(rec, summary);
    writeFileSync(`${base}.json`, JSON.stringify({ ...rec, summary }, null, 2) + '\n');
    writeFileSync(`${base}.md`, md);
    return md;
  };
  // The ensembles' temp dirs go in a folder of this run's own: on a shared machine a sweep of
  // /tmp/zkts-* by someone else removed a member's dataDir between its kill and its restart.
  const privateTmp = mkdtempSync(join(tmpdir(), 'issue4-bench-'));
  process.env.TMPDIR = privateTmp;
  const runTag = Date.now().toString(36);
  for (let rep = 1; rep <= o.reps; rep++) {
    const order = rep % 2 === 1 ? o.targets : [...o.targets].reverse();
    for (const target of order) {
      log(`rep ${rep}/${o.reps}: ${target}`);
      await measureTarget(rec, o, rep, target, runTag);
      save();
    }
  }
  rmSync(privateTmp, { recursive: true, force: true });
  const md = save();
  log(`wrote ${base}.json and ${base}.md`);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
