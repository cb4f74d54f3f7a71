/**
 * `zkts server start|status|stop` against the real server runtime: the daemon is the zkts
 * command line itself (run from source with vite-node), answering four-letter words, the
 * admin HTTP API and /metrics while the pid file names it.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain, setServerLauncher } from '../../src/cli/main.js';
import { isAlive, readPid } from '../../src/cli/server-control.js';
import { sendFourLetterWord } from '../../src/cli/server-control-fourlw.js';

const repo = resolve(import.meta.dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

let dir: string;
let cfgFile: string;
let clientPort: number;
let adminPort: number;
let metricsPort: number;
const pids: number[] = [];
const killAll = () => {
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
};

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runMain(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

beforeAll(async () => {
  process.on('exit', killAll);
  dir = mkdtempSync(join(tmpdir(), 'zkts-daemon-'));
  const entry = join(dir, 'zkts-entry.ts');
  writeFileSync(
    entry,
    `import { main } from ${JSON.stringify(join(repo, 'src/cli/main.ts'))};\nawait main(process.argv.slice(2));\n`,
  );
  [clientPort, adminPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  cfgFile = join(dir, 'zoo.cfg');
  writeFileSync(
    cfgFile,
    [
      'tickTime=2000',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${clientPort}`,
      'clientPortAddress=127.0.0.1',
      '4lw.commands.whitelist=*',
      'admin.serverAddress=127.0.0.1',
      `admin.serverPort=${adminPort}`,
      'metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
      'metricsProvider.httpHost=127.0.0.1',
      `metricsProvider.httpPort=${metricsPort}`,
      '',
    ].join('\n'),
  );
  // vite-node takes its own options before "--"; "server" and the rest go to zkts.
  setServerLauncher(() => ({
    command: join(repo, 'node_modules/.bin/vite-node'),
    args: [entry, '--', 'server'],
  }));
});

afterAll(() => {
  killAll();
  process.off('exit', killAll);
  rmSync(dir, { recursive: true, force: true });
});

describe('zkts server as a daemon', () => {
  it('start, serve, status, stop', async () => {
    const start = await run('server', 'start', '--config', cfgFile);
    expect(start.out, start.err).toBe('Starting zookeeper ... STARTED\n');
    const pidFile = join(dir, 'data', 'zookeeper_server.pid');
    const pid = readPid(pidFile)!;
    pids.push(pid);
    expect(isAlive(pid)).toBe(true);

    expect(await sendFourLetterWord('127.0.0.1', clientPort, 'ruok')).toBe('imok');
    const srvr = await sendFourLetterWord('127.0.0.1', clientPort, 'srvr');
    expect(srvr).toMatch(/^Zookeeper version: 3\.8\.0-zkts-/);
    expect(srvr).toContain('\nMode: standalone\n');

    const status = await run('server', 'status', '--config', cfgFile);
    expect(status.code).toBe(0);
    expect(status.out).toContain('Mode: standalone\n');

    // A write is fsynced, and the log reports it as Apache's SyncRequestProcessor does.
    const created = await run('cli', '-server', `127.0.0.1:${clientPort}`, 'create', '/w', 'x');
    expect(created.code, created.err).toBe(0);

    const admin = await fetch(`http://127.0.0.1:${adminPort}/commands/ruok`);
    expect(await admin.json()).toEqual({ command: 'ruok', error: null });
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const mntr = await sendFourLetterWord('127.0.0.1', clientPort, 'mntr');
    const znodes = /^zk_znode_count\t(\d+)$/m.exec(mntr)![1];
    expect(metrics).toContain(`\nznode_count ${znodes}\n`);
    expect(Number(/^fsynctime_count (\d+)$/m.exec(metrics)![1])).toBeGreaterThanOrEqual(1);
    expect(
      Number(/^sync_processor_batch_size_count (\d+)$/m.exec(metrics)![1]),
    ).toBeGreaterThanOrEqual(1);

    const stop = await run('server', 'stop', '--config', cfgFile);
    expect(stop.out).toBe('Stopping zookeeper ... STOPPED\n');
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
    const after = await run('server', 'status', '--config', cfgFile);
    expect(after.code).toBe(1);
  });
});
