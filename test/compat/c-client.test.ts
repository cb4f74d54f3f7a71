/**
 * Apache's C client shell `cli_mt` (Debian zookeeper-bin) driven through stdin against the
 * target: create (plain, ephemeral, sequential, create2), get, set, ls, ls2, exists, delete,
 * with watches the shell sets on get/ls. Its transcript, with times and the session id
 * normalised, must be the one Apache ZooKeeper 3.8 gives.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, targetKind, type Target } from '../support/target.js';

const cliMt = '/usr/lib/zookeeper/bin/cli_mt';
const kind = targetKind();
let target: Target;
let shell: ChildProcessWithoutNullStreams | undefined;

beforeAll(async () => {
  if (!existsSync(cliMt))
    throw new Error(`${cliMt} missing: install zookeeper-bin (scripts/setup.sh)`);
  target = await startTarget();
});

afterAll(async () => {
  if (shell?.pid !== undefined && shell.exitCode === null) shell.kill('SIGKILL');
  await target?.stop();
});

/** Runs cli_mt; send() writes a command and resolves with the output it produced. */
function startShell(hosts: string) {
  const child = spawn(cliMt, ['-h', hosts]);
  shell = child;
  let buf = '';
  child.stdout.on('data', (d: Buffer) => (buf += d.toString()));
  child.stderr.on('data', (d: Buffer) => (buf += d.toString()));
  // Replies and watch events print asynchronously: wait until the step's lines are all there.
  const waitFor = async (lines: number, from: number): Promise<string> => {
    const deadline = Date.now() + 10_000;
    while (normalise(buf.slice(from)).length < lines && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    // Anything extra (an unexpected event) shows up in the comparison.
    await new Promise((r) => setTimeout(r, 50));
    return buf.slice(from);
  };
  return {
    connected: () => waitFor(2, 0),
    async send(cmd: string, lines: number): Promise<string> {
      const from = buf.length;
      child.stdin.write(`${cmd}\n`);
      return waitFor(lines, from);
    },
    async quit(): Promise<number | null> {
      child.stdin.end('quit\n');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
      return child.exitCode;
    },
  };
}

/** Times and session ids differ run to run; child order is the server's own (a hash set). */
function normalise(out: string): string[] {
  const lines = out
    .split('\n')
    .filter((l) => l !== '' && !/^time = \d+ msec$/.test(l))
    .map((l) =>
      l
        .replace(/([cm]time) ?= ?.*/, '$1 = <time>')
        .replace(/session id: 0x[0-9a-f]+/, 'session id: <sid>'),
    );
  const names = lines.filter((l) => /^\t[^=]+$/.test(l) && !l.includes(' = ')).sort();
  let i = 0;
  return lines.map((l) => (/^\t[^=]+$/.test(l) && !l.includes(' = ') ? names[i++]! : l));
}

const steps: [string, string[]][] = [
  ['create /c', ['Creating [/c] node (mode: 0)', '[/c]: rc = 0', '\tname = /c']],
  ['create +e /c/e', ['Creating [/c/e] node (mode: 1)', '[/c/e]: rc = 0', '\tname = /c/e']],
  [
    'create +s /c/s-',
    ['Creating [/c/s-] node (mode: 2)', '[/c/s-]: rc = 0', '\tname = /c/s-0000000001'],
  ],
  [
    'create2 /c/two',
    [
      'Creating [/c/two] node (mode: 0)',
      '[/c/two]: rc = 0',
      '\tname = /c/two',
      '\tctime = <time>',
      '\tczxid=5',
      '\tmtime = <time>',
      '\tmzxid=5',
      '\tversion=0\taversion=0',
      '\tephemeralOwner = 0',
    ],
  ],
  [
    'get /c',
    [
      '/c: rc = 0',
      ' value_len = 3',
      'new',
      'Stat:',
      '\tctime = <time>',
      '\tczxid=2',
      '\tmtime = <time>',
      '\tmzxid=2',
      '\tversion=0\taversion=0',
      '\tephemeralOwner = 0',
    ],
  ],
  [
    'set /c world',
    [
      'Watcher CHANGED_EVENT state = CONNECTED_STATE for path /c',
      '/c: rc = 0 Stat:',
      '\tctime = <time>',
      '\tczxid=2',
      '\tmtime = <time>',
      '\tmzxid=6',
      '\tversion=1\taversion=0',
      '\tephemeralOwner = 0',
    ],
  ],
  [
    'get /c',
    [
      '/c: rc = 0',
      ' value_len = 5',
      'world',
      'Stat:',
      '\tctime = <time>',
      '\tczxid=2',
      '\tmtime = <time>',
      '\tmzxid=6',
      '\tversion=1\taversion=0',
      '\tephemeralOwner = 0',
    ],
  ],
  ['ls /c', ['/c: rc = 0', '\te', '\ts-0000000001', '\ttwo']],
  ['delete /c', ['/c: rc = -111']],
  ['delete /c/two', ['Watcher CHILD_EVENT state = CONNECTED_STATE for path /c', '/c/two: rc = 0']],
  ['create /c', ['Creating [/c] node (mode: 0)', '[/c]: rc = -110']],
  ['get /nope', ['/nope: rc = -101', 'Stat:', 'null']],
  [
    'ls2 /c',
    [
      '/c: rc = 0',
      '\te',
      '\ts-0000000001',
      '\tctime = <time>',
      '\tczxid=2',
      '\tmtime = <time>',
      '\tmzxid=6',
      '\tversion=1\taversion=0',
      '\tephemeralOwner = 0',
    ],
  ],
  ['delete /c/e', ['Watcher CHILD_EVENT state = CONNECTED_STATE for path /c', '/c/e: rc = 0']],
  ['delete /c/s-0000000001', ['/c/s-0000000001: rc = 0']],
  ['delete /c', ['Watcher DELETED_EVENT state = CONNECTED_STATE for path /c', '/c: rc = 0']],
  ['exists /c', ['Error -101 for /c']],
];

describe(`cli_mt (C client) against ${kind}`, () => {
  it('creates, reads, writes, lists and deletes like against Apache 3.8', async () => {
    const sh = startShell(target.connectString);
    expect(normalise(await sh.connected())).toEqual([
      'Watcher SESSION_EVENT state = CONNECTED_STATE',
      'Got a new session id: <sid>',
    ]);
    for (const [cmd, want] of steps)
      expect({ cmd, out: normalise(await sh.send(cmd, want.length)) }).toEqual({ cmd, out: want });
    expect(await sh.quit()).toBe(0);
  });
});
