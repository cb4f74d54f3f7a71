/**
 * `zkts server start|status|stop|restart` manage a background process through the pid file.
 * The server here is a tiny stand-in child that answers `srvr` on the configured client port,
 * so restart, double start and a server dying at once can be driven quickly; the pid-file,
 * spawn, wait and kill logic under test is the real one. server-daemon.test.ts runs the same
 * commands against the real runtime.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain, setServerLauncher } from '../../src/cli/main.js';
import { isAlive, readPid } from '../../src/cli/server-control.js';

const standInServer = `
const net = require('node:net');
const fs = require('node:fs');
const cfg = fs.readFileSync(process.argv[process.argv.indexOf('--config') + 1], 'utf8');
const port = Number(/^clientPort=(\\d+)/m.exec(cfg)[1]);
const server = net.createServer((s) => {
  s.once('data', (d) => {
    if (d.toString('latin1', 0, 4) === 'srvr') s.end('Zookeeper version: stand-in\\nMode: standalone\\nNode count: 5\\n');
    else s.destroy();
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let dir: string;
let cfgFile: string;
let pidFile: string;
const started: number[] = [];
const killAll = () => {
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
};

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runMain(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

beforeAll(async () => {
  process.on('exit', killAll);
  dir = mkdtempSync(join(tmpdir(), 'zkts-ctl-'));
  const script = join(dir, 'stand-in.cjs');
  writeFileSync(script, standInServer);
  cfgFile = join(dir, 'zoo.cfg');
  writeFileSync(
    cfgFile,
    `tickTime=2000\ndataDir=${join(dir, 'data')}\nclientPort=${await freePort()}\nclientPortAddress=127.0.0.1\n`,
  );
  pidFile = join(dir, 'data', 'zookeeper_server.pid');
  setServerLauncher(() => ({ command: process.execPath, args: [script] }));
});

afterAll(() => {
  killAll();
  process.off('exit', killAll);
  rmSync(dir, { recursive: true, force: true });
});

describe('zkts server start/status/stop', () => {
  it('start writes <dataDir>/zookeeper_server.pid and waits for the port', async () => {
    const r = await run('server', 'start', '--config', cfgFile);
    expect(r.out).toBe('Starting zookeeper ... STARTED\n');
    expect(r.err).toBe(`Using config: ${cfgFile}\n`);
    expect(r.code).toBe(0);
    const pid = readPid(pidFile)!;
    started.push(pid);
    expect(isAlive(pid)).toBe(true);
    expect(readFileSync(pidFile, 'utf8')).toBe(String(pid));
  });

  it('a second start refuses', async () => {
    const pid = readPid(pidFile);
    const r = await run('server', 'start', '--config', cfgFile);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`Starting zookeeper ... zookeeper already running as process ${pid}.\n`);
  });

  it('status prints the Mode line', async () => {
    const r = await run('server', 'status', '--config', dir); // a directory works as with zkServer.sh
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^Client port found: \d+\. Client address: 127\.0\.0\.1\. Client SSL: false\.\nMode: standalone\n$/,
    );
  });

  it('restart replaces the process', async () => {
    const before = readPid(pidFile)!;
    const r = await run('server', 'restart', '--config', cfgFile);
    expect(r.code).toBe(0);
    expect(r.out).toBe('Stopping zookeeper ... STOPPED\nStarting zookeeper ... STARTED\n');
    const after = readPid(pidFile)!;
    started.push(after);
    expect(after).not.toBe(before);
    expect(isAlive(before)).toBe(false);
  });

  it('stop kills by pid, waits, and removes the pid file', async () => {
    const pid = readPid(pidFile)!;
    const r = await run('server', 'stop', '--config', cfgFile);
    expect(r.code).toBe(0);
    expect(r.out).toBe('Stopping zookeeper ... STOPPED\n');
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
    const again = await run('server', 'stop', '--config', cfgFile);
    expect(again.code).toBe(0);
    expect(again.out).toBe(
      `Stopping zookeeper ... no zookeeper to stop (could not find file ${pidFile})\n`,
    );
    const status = await run('server', 'status', '--config', cfgFile);
    expect(status.code).toBe(1);
    expect(status.out).toContain('Error contacting service. It is probably not running.\n');
  });

  it('a server that dies at once is reported as FAILED TO START', async () => {
    const dying = join(dir, 'dying.cjs');
    writeFileSync(dying, 'process.exit(3);\n');
    setServerLauncher(() => ({ command: process.execPath, args: [dying] }));
    const own = join(dir, 'own.pid');
    const r = await run('server', 'start', '--config', cfgFile, '--pid-file', own);
    expect(r.code).toBe(1);
    expect(r.out).toBe('Starting zookeeper ... FAILED TO START\n');
    expect(existsSync(own)).toBe(false);
  });
});
