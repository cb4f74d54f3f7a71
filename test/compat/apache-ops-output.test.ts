/**
 * Differential check of the operations surface against a live Apache ZooKeeper 3.8 (Debian):
 * with the same kind of state (two sessions, watches, an ephemeral), every four-letter word
 * and admin command zkts formats must have the shape Apache produces right now, and the
 * stored captures in src/node/server/testdata/apache-3.8.0 must still match Apache.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error -- the package ships no types; the few calls below are checked by the test.
import zookeeper from 'node-zookeeper-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFourLetterWord } from '../../src/cli/server-control-fourlw.js';
import { runAdminCommand } from '../../src/node/server/admin-commands.js';
import { toJacksonJson } from '../../src/node/server/admin-json.js';
import { runFourLetterWord, type FourLetterEnv } from '../../src/node/server/fourlw.js';
import { environmentEntries } from '../../src/node/server/fourlw-env.js';
import { fourLetterShape, jsonShape } from '../../src/node/server/testdata/shape.js';
import { fixtureClock, StaticView } from '../../src/node/server/testdata/static-view.js';

const javaJars = [
  '/usr/share/java/zookeeper.jar',
  '/usr/share/java/log4j-1.2.jar',
  '/usr/share/java/slf4j-log4j12.jar',
  '/usr/share/java/slf4j-api.jar',
  '/usr/share/java/metrics-core.jar',
  // Without the servlet API, Debian's Apache silently runs no admin server.
  '/usr/share/java/servlet-api.jar',
];
const goldenDir = join(import.meta.dirname, '../../src/node/server/testdata/apache-3.8.0');

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

/** The part of node-zookeeper-client's Client used here. */
interface ZkClient {
  connect(): void;
  close(): void;
  once(event: 'connected', f: () => void): void;
  create(path: string, ...args: unknown[]): void;
  getData(path: string, watcher: () => void, cb: (err: Error | null, v?: Buffer) => void): void;
  getChildren(
    path: string,
    watcher: () => void,
    cb: (err: Error | null, v?: string[]) => void,
  ): void;
  exists(path: string, watcher: () => void, cb: (err: Error | null, v?: unknown) => void): void;
}

let dir: string;
let java: ChildProcess | undefined;
let clientPort: number;
let adminPort: number;
const clients: ZkClient[] = [];
const killJava = () => {
  if (java?.pid !== undefined && java.exitCode === null) java.kill('SIGKILL');
};

function connectClient(timeoutMs: number): Promise<ZkClient> {
  return new Promise((resolve, reject) => {
    const c: ZkClient = zookeeper.createClient(`127.0.0.1:${clientPort}`, {
      sessionTimeout: timeoutMs,
      retries: 0,
    });
    const t = setTimeout(() => reject(new Error('connect timeout')), 20_000);
    c.once('connected', () => {
      clearTimeout(t);
      resolve(c);
    });
    c.connect();
    clients.push(c);
  });
}

const call = <T>(f: (cb: (err: Error | null, v?: T) => void) => void) =>
  new Promise<T | undefined>((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));

beforeAll(async () => {
  process.on('exit', killJava);
  for (const jar of javaJars)
    if (!existsSync(jar)) throw new Error(`missing ${jar} (scripts/setup.sh)`);
  dir = mkdtempSync(join(tmpdir(), 'zkts-apache-ops-'));
  mkdirSync(join(dir, 'data'));
  clientPort = await freePort();
  adminPort = await freePort();
  writeFileSync(
    join(dir, 'zoo.cfg'),
    [
      'tickTime=2000',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${clientPort}`,
      'clientPortAddress=127.0.0.1',
      '4lw.commands.whitelist=*',
      'admin.enableServer=true',
      'admin.serverAddress=127.0.0.1',
      `admin.serverPort=${adminPort}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'log4j.properties'),
    `log4j.rootLogger=WARN, F\nlog4j.appender.F=org.apache.log4j.FileAppender\nlog4j.appender.F.File=${join(dir, 'zk.log')}\nlog4j.appender.F.layout=org.apache.log4j.PatternLayout\nlog4j.appender.F.layout.ConversionPattern=%d %p %c - %m%n\n`,
  );
  java = spawn(
    'java',
    [
      '-cp',
      [dir, ...javaJars].join(':'),
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      join(dir, 'zoo.cfg'),
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await sendFourLetterWord('127.0.0.1', clientPort, 'ruok', 1_000).catch(() => '');
    if (ok === 'imok') break;
    if (Date.now() > deadline || java.exitCode !== null)
      throw new Error('Apache ZooKeeper did not start');
    await new Promise((r) => setTimeout(r, 300));
  }
  const a = await connectClient(30_000);
  const b = await connectClient(20_000);
  const none = () => undefined;
  await call<string>((cb) => a.create('/app', cb));
  await call<string>((cb) => a.create('/app/config', Buffer.from('hello'), cb));
  await call<string>((cb) =>
    a.create('/app/lock', Buffer.from('x'), zookeeper.CreateMode.EPHEMERAL, cb),
  );
  await call<Buffer>((cb) => a.getData('/app/config', none, cb));
  await call<string[]>((cb) => a.getChildren('/app', none, cb));
  await call<Buffer>((cb) => b.getData('/app/config', none, cb));
  await call<unknown>((cb) => b.exists('/app/missing', none, cb));
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  killJava();
  if (java && java.exitCode === null) await new Promise((r) => java!.once('exit', r));
  process.off('exit', killJava);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function env(): FourLetterEnv {
  let mask = 306n;
  return {
    clock: fixtureClock,
    environment: () => environmentEntries(new StaticView().version()),
    traceMask: { get: () => mask, set: (m) => (mask = m) },
  };
}

const golden4 = (w: string) => readFileSync(join(goldenDir, `${w}.txt`), 'utf8');
const goldenAdmin = (c: string) => readFileSync(join(goldenDir, 'admin', `${c}.json`), 'utf8');
const distinct = (lines: string[]) => [...new Set(lines)].sort();

describe('four-letter words: live Apache 3.8, its stored capture and zkts agree in shape', () => {
  for (const word of [
    'srvr',
    'stat',
    'conf',
    'cons',
    'wchs',
    'wchc',
    'wchp',
    'dirs',
    'isro',
    'gtmk',
    'ruok',
    'envi',
  ]) {
    it(word, async () => {
      const live = await sendFourLetterWord('127.0.0.1', clientPort, word);
      const ours = runFourLetterWord(word, new StaticView(), '*', env());
      // Connections and watches come in hash-map order: compare those as multisets of lines.
      const unordered = ['cons', 'stat', 'wchc', 'wchp'].includes(word);
      const key = (t: string) =>
        word === 'envi'
          ? t.split('\n').map((l) => l.split('=')[0])
          : unordered
            ? fourLetterShape(t).sort()
            : fourLetterShape(t);
      expect(key(ours)).toEqual(key(live));
      expect(key(golden4(word))).toEqual(key(live));
    });
  }

  it('dump (bucket counts depend on timing: compare the kinds of lines)', async () => {
    const live = await sendFourLetterWord('127.0.0.1', clientPort, 'dump');
    const ours = runFourLetterWord('dump', new StaticView(), '*', env());
    expect(distinct(fourLetterShape(ours))).toEqual(distinct(fourLetterShape(live)));
  });

  it('mntr keys and order', async () => {
    const keys = (t: string) =>
      t
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\t')[0]);
    const live = await sendFourLetterWord('127.0.0.1', clientPort, 'mntr');
    expect(keys(runFourLetterWord('mntr', new StaticView(), '*', env()))).toEqual(keys(live));
  });
});

describe('admin commands: live Apache 3.8 and zkts agree in shape', () => {
  const names = [
    'configuration',
    'connections',
    'dirs',
    'dump',
    'get_trace_mask',
    'hash',
    'initial_configuration',
    'is_read_only',
    'last_snapshot',
    'leader',
    'monitor',
    'observers',
    'ruok',
    'server_stats',
    'stats',
    'voting_view',
    'watch_summary',
    'watches',
    'watches_by_path',
    'zabstate',
    'nonexist',
  ];
  for (const name of names) {
    it(name, async () => {
      const r = await fetch(`http://127.0.0.1:${adminPort}/commands/${name}`);
      expect(r.status).toBe(200);
      const live = JSON.parse(await r.text()) as Record<string, unknown>;
      const ours = JSON.parse(
        toJacksonJson(runAdminCommand(name, new StaticView(), env())),
      ) as Record<string, unknown>;
      const norm = (v: Record<string, unknown>) =>
        name === 'monitor' ? Object.keys(v) : jsonShape(v);
      expect(norm(ours)).toEqual(norm(live));
      const stored = name === 'nonexist' ? 'unknown_command' : name;
      expect(norm(JSON.parse(goldenAdmin(stored)) as Record<string, unknown>)).toEqual(norm(live));
    });
  }
});
