/**
 * `zkts cli` (src/cli/zkcli.ts) against Apache ZooKeeper 3.8, compared with Debian's zkCli.sh
 * command by command: same stdout, stderr and exit code.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApacheZk, type ApacheZk } from '../support/apache-zk.js';
import { runZkCli } from '../../src/cli/zkcli.js';
import { ZkClient } from '../../src/client/zk-client.js';
import { CreateMode } from '../../src/node/proto/opcodes.js';

const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';

let zk: ApacheZk;
let setup: ZkClient;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Drop the connect banner (printed by zkCli's event thread, so racy for usage errors) and SLF4J noise. */
function normalise(r: Run): Run {
  const banner = '\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\n';
  return {
    code: r.code,
    stdout: r.stdout.replace(banner, ''),
    stderr: r.stderr
      .split('\n')
      .filter((l) => !l.startsWith('SLF4J:') && !l.startsWith('log4j:'))
      .join('\n'),
  };
}

function runApache(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(ZKCLI, ['-server', zk.connectString, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve(normalise({ code: code ?? -1, stdout, stderr })));
  });
}

function captureIo(stdin = new PassThrough()) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = { stdout: '', stderr: '' };
  stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  return { io: { stdin, stdout, stderr }, out };
}

async function runOurs(args: string[]): Promise<Run> {
  const { io, out } = captureIo();
  const code = await runZkCli(['-server', zk.connectString, ...args], io);
  return normalise({ code, ...out });
}

beforeAll(async () => {
  expect(existsSync(ZKCLI)).toBe(true);
  zk = await startApacheZk();
  setup = await ZkClient.connect(zk.connectString);
  await setup.create('/cmp', Buffer.from('hello'));
  await setup.create('/cmp/b');
  await setup.create('/cmp/c', Buffer.from('x'));
  await setup.create('/cmp/c/d');
  await setup.create('/cmp/eph', null, undefined, CreateMode.ephemeral);
});

afterAll(async () => {
  await setup?.close(2000);
  await zk?.stop();
});

describe('zkts cli matches zkCli.sh', () => {
  const sameAsApache = [
    'ls /cmp',
    'ls -s /cmp',
    'ls -R /cmp',
    'ls /nope',
    'get /cmp',
    'get -s /cmp',
    'get /cmp/b',
    'get /nope',
    'stat /cmp',
    'stat /nope',
    'getAcl /cmp',
    'getAcl -s /zookeeper/config',
    'sync /cmp',
    'whoami',
    'getEphemerals /',
    'getAllChildrenNumber /cmp',
    'config',
    'delete /cmp',
    'delete /zookeeper',
    'set -v 99 /cmp nope',
    'create /cmp x',
    'create /nope/x',
    'removewatches /cmp',
    'ls',
    'get -x /cmp',
    'bogus cmd',
    'create -c -e /x',
    'addWatch -m WRONG /cmp',
    'addauth digest u:p',
  ];
  for (const cmd of sameAsApache) {
    it(cmd, async () => {
      const args = cmd.split(' ');
      const [apache, ours] = await Promise.all([runApache(args), runOurs(args)]);
      expect(ours).toEqual(apache);
    });
  }

  it('writes: create, set -s, setAcl, delete, deleteall give the same output on twin paths', async () => {
    for (const [tmpl, replace] of [
      ['create /twin-X hello', true],
      ['create /twin-X/kid', true],
      ['create -e /twin-X/e', true],
      ['setAcl /twin-X world:anyone:cdrwa', true],
      ['getAcl /twin-X', true],
      ['delete -v 0 /twin-X/kid', true],
      ['deleteall /twin-X', true],
      ['ls /twin-X', true],
    ] as const) {
      const [apache, ours] = await Promise.all([
        runApache(tmpl.replace('X', 'a').split(' ')),
        runOurs(tmpl.replace('X', 'b').split(' ')),
      ]);
      expect({ cmd: tmpl, ...ours }).toEqual({
        cmd: tmpl,
        ...apache,
        stdout: replace ? apache.stdout.replaceAll('/twin-a', '/twin-b') : apache.stdout,
        stderr: replace ? apache.stderr.replaceAll('/twin-a', '/twin-b') : apache.stderr,
      });
    }
  });

  it('prints stats in zkCli format', async () => {
    const r = await runOurs(['set', '-s', '/cmp/c', 'y']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Connecting to 127\.0\.0\.1:\d+\ncZxid = 0x[0-9a-f]+\nctime = \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}\nmZxid = 0x[0-9a-f]+\n/,
    );
    expect(r.stdout).toContain('\ndataVersion = 1\n');
    expect(r.stdout).toContain('\ndataLength = 1\n');
  });

  it('answers --help for every command', async () => {
    for (const cmd of [
      'ls',
      'get',
      'set',
      'create',
      'delete',
      'deleteall',
      'stat',
      'getAcl',
      'setAcl',
      'addauth',
      'sync',
      'config',
      'whoami',
      'addWatch',
      'removewatches',
      'getEphemerals',
      'close',
      'quit',
      'help',
    ]) {
      const r = await runOurs([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[1]).toMatch(new RegExp(`^${cmd} `));
    }
  });

  it('takes -timeout and reconnects with the connect command', async () => {
    const one = await runOurs(['-timeout', '5000', 'getAllChildrenNumber', '/cmp']);
    expect(one).toEqual({ code: 0, stdout: `Connecting to ${zk.connectString}\n4\n`, stderr: '' });
    const stdin = new PassThrough();
    const { io, out } = captureIo(stdin);
    stdin.end(`connect ${zk.connectString}\nget /cmp/c/d\nquit\n`);
    expect(await runZkCli(['-server', zk.connectString], io)).toBe(0);
    expect(out.stdout.split(`Connecting to ${zk.connectString}\n`)).toHaveLength(3);
    expect(
      out.stdout.endsWith('WatchedEvent state:SyncConnected type:None path:null\nnull\n'),
    ).toBe(true);
  });

  it('runs a REPL over stdin and prints watch events like zkCli', async () => {
    const stdin = new PassThrough();
    const { io, out } = captureIo(stdin);
    const done = runZkCli(['-server', zk.connectString], io);
    const waitFor = async (text: string): Promise<void> => {
      for (let i = 0; i < 200 && !out.stdout.includes(text); i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(out.stdout).toContain(text);
    };
    stdin.write('get -w /cmp\n');
    await waitFor('hello\n');
    await setup.setData('/cmp', Buffer.from('changed'));
    await waitFor('WatchedEvent state:SyncConnected type:NodeDataChanged path:/cmp\n');
    stdin.write('addWatch -m PERSISTENT_RECURSIVE /cmp\nstat /nope\nclose\nls /\nquit\n');
    expect(await done).toBe(0);
    expect(out.stdout).toBe(
      'Connecting to ' +
        zk.connectString +
        '\nWelcome to ZooKeeper!\nJLine support is disabled\n' +
        '\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\n' +
        'hello\n' +
        '\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:/cmp\n' +
        '\nWATCHER::\n\nWatchedEvent state:Closed type:None path:null\n' +
        'Not connected\n',
    );
    expect(out.stderr).toBe('Node does not exist: /nope\n');
  });
});
