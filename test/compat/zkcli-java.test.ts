/**
 * Apache's own shell (Debian zookeeper.jar, org.apache.zookeeper.ZooKeeperMain, what zkCli.sh
 * runs) reading commands from stdin against the target. Its stdout and stderr, with times
 * normalised, must be what Apache ZooKeeper 3.8 gives.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheClasspath, log4jProperties } from '../support/apache-zk.js';
import { startTarget, targetKind, type Target } from '../support/target.js';

const kind = targetKind();
let target: Target;
let confDir: string;

beforeAll(async () => {
  confDir = mkdtempSync(join(tmpdir(), 'zkts-zkcli-'));
  writeFileSync(
    join(confDir, 'log4j.properties'),
    log4jProperties(join(confDir, 'cli.log'), 'WARN'),
  );
  target = await startTarget();
});

afterAll(async () => {
  await target?.stop();
  if (confDir) rmSync(confDir, { recursive: true, force: true });
});

function zkCli(server: string, script: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      'java',
      [
        '-Xmx128m',
        '-XX:+UseSerialGC',
        '-cp',
        apacheClasspath(confDir),
        'org.apache.zookeeper.ZooKeeperMain',
        '-server',
        server,
      ],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
    child.stdin?.end(script.map((l) => `${l}\n`).join(''));
  });
}

const lines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l !== '')
    .map((l) =>
      l
        .replace(/^([cm]time = ).*/, '$1<time>')
        .replace(/^(ephemeralOwner = )0x[0-9a-f]{2,}$/, '$1<session>')
        .replace(/^Connecting to .*/, 'Connecting to <target>'),
    );

const script = [
  'create /zc hello',
  'create /zc again',
  'create -s /zc/seq- s',
  'create -e /zc/eph e',
  'get /zc',
  'set /zc world',
  'set -v 0 /zc stale',
  'get -s /zc',
  'ls /zc',
  'ls -s /zc',
  'stat /zc/eph',
  'getAllChildrenNumber /zc',
  'getEphemerals /zc',
  'sync /zc',
  'getAcl /zc',
  'addauth digest carol:pw',
  'setAcl /zc/seq-0000000000 auth:carol:pw:cdrwa',
  'getAcl /zc/seq-0000000000',
  'delete /zc',
  'delete /zc/eph',
  'deleteall /zc',
  'get /zc',
  'whoami',
  'quit',
];

describe(`zkCli (ZooKeeperMain) against ${kind}`, () => {
  it('runs a command script with the output Apache 3.8 gives', async () => {
    const run = await zkCli(target.connectString, script);
    expect(run.code, run.stderr).toBe(0);
    // Failures and "Created" go to stderr, everything else to stdout; the order across the two
    // streams is lost, so each is compared on its own.
    expect(lines(run.stderr)).toEqual([
      'Created /zc',
      'Node already exists: /zc',
      'Created /zc/seq-0000000000',
      'Created /zc/eph',
      'version No is not valid : /zc',
      'Node not empty: /zc',
      'Node does not exist: /zc',
    ]);
    expect(sortWhoAmI(lines(run.stdout))).toEqual(
      sortWhoAmI([
        'Connecting to <target>',
        'Welcome to ZooKeeper!',
        'JLine support is disabled',
        'WATCHER::',
        'WatchedEvent state:SyncConnected type:None path:null',
        'hello',
        'world',
        'cZxid = 0x2',
        'ctime = <time>',
        'mZxid = 0x6',
        'mtime = <time>',
        'pZxid = 0x5',
        'cversion = 2',
        'dataVersion = 1',
        'aclVersion = 0',
        'ephemeralOwner = 0x0',
        'dataLength = 5',
        'numChildren = 2',
        '[eph, seq-0000000000]',
        '[eph, seq-0000000000]',
        'cZxid = 0x2',
        'ctime = <time>',
        'mZxid = 0x6',
        'mtime = <time>',
        'pZxid = 0x5',
        'cversion = 2',
        'dataVersion = 1',
        'aclVersion = 0',
        'ephemeralOwner = 0x0',
        'dataLength = 5',
        'numChildren = 2',
        'cZxid = 0x5',
        'ctime = <time>',
        'mZxid = 0x5',
        'mtime = <time>',
        'pZxid = 0x5',
        'cversion = 0',
        'dataVersion = 0',
        'aclVersion = 0',
        'ephemeralOwner = <session>',
        'dataLength = 1',
        'numChildren = 0',
        '2',
        '[/zc/eph]',
        'Sync is OK',
        "'world,'anyone",
        ': cdrwa',
        "'digest,'carol:RffyCdXXV1Js0ywLAoP5/l25yKs=",
        ': cdrwa',
        'Auth scheme: User',
        'digest: carol',
        'ip: 127.0.0.1',
        'WATCHER::',
        'WatchedEvent state:Closed type:None path:null',
      ]),
    );
  });
});

/** whoami lists a connection's auth ids, which the server keeps in a set: compare them as one. */
function sortWhoAmI(out: string[]): string[] {
  const start = out.indexOf('Auth scheme: User');
  if (start < 0) return out;
  let end = start + 1;
  while (end < out.length && /^\w+: /.test(out[end]!) && !out[end]!.startsWith('WATCHER')) end++;
  return [...out.slice(0, start + 1), ...out.slice(start + 1, end).sort(), ...out.slice(end)];
}
