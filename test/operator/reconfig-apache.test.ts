/**
 * The operator's raw reconfig request (src/operator/controller/reconfig.ts) against real Apache
 * ZooKeeper 3.8 servers on loopback: a one-voter quorum (standaloneEnabled=false, as the
 * operator configures members) takes in a second server that joined as a non-voting follower,
 * lets it go again, and refuses to add a server that is not running, with ZooKeeper's error code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFourLetterWord } from '../../src/cli/server-control-fourlw.js';
import { rawReconfigurer, ReconfigError } from '../../src/operator/controller/reconfig.js';
import { freePort } from '../e2e/control-plane.js';
import { waitFor } from '../e2e/wait.js';

const classpath = [
  '/usr/share/java/zookeeper.jar',
  '/usr/share/java/log4j-1.2.jar',
  '/usr/share/java/slf4j-log4j12.jar',
  '/usr/share/java/slf4j-api.jar',
  '/usr/share/java/metrics-core.jar',
].join(':');

interface Server {
  id: number;
  client: number;
  quorum: number;
  election: number;
}

const dir = mkdtempSync(join(tmpdir(), 'zkts-reconfig-'));
const children: ChildProcess[] = [];
const killAll = () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
process.on('exit', killAll);

const line = (s: Server) =>
  `server.${s.id}=127.0.0.1:${s.quorum}:${s.election}:participant;127.0.0.1:${s.client}`;

function start(s: Server, members: Server[]) {
  const d = join(dir, `s${s.id}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'myid'), `${s.id}\n`);
  const cfg = join(d, 'zoo.cfg');
  writeFileSync(
    cfg,
    [
      'tickTime=200',
      'initLimit=20',
      'syncLimit=10',
      `dataDir=${d}`,
      'standaloneEnabled=false',
      'reconfigEnabled=true',
      // The operator authenticates with --zk-auth in production; here ACLs are off instead.
      'skipACL=yes',
      'admin.enableServer=false',
      '4lw.commands.whitelist=*',
      ...members.map(line),
      '',
    ].join('\n'),
  );
  const child = spawn(
    'java',
    ['-Xmx96m', '-cp', classpath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfg],
    {
      stdio: 'ignore',
    },
  );
  children.push(child);
}

const mode = async (s: Server) =>
  /Mode: (\w+)/.exec(await sendFourLetterWord('127.0.0.1', s.client, 'srvr', 3000))?.[1];
const membership = async (s: Server) =>
  (await sendFourLetterWord('127.0.0.1', s.client, 'conf', 3000))
    .split('\n')
    .filter((l) => l.startsWith('server.'))
    .sort();

let s1: Server;
let s2: Server;

beforeAll(async () => {
  const ports = [];
  for (let i = 0; i < 7; i++) ports.push(await freePort());
  s1 = { id: 1, client: ports[0]!, quorum: ports[1]!, election: ports[2]! };
  s2 = { id: 2, client: ports[3]!, quorum: ports[4]!, election: ports[5]! };
  start(s1, [s1]);
  await waitFor(
    'server 1 leads its one-voter quorum',
    async () => (await mode(s1)) === 'leader',
    60_000,
    250,
  );
  // A new member starts with the current membership plus itself, as the operator's ConfigMap has it.
  start(s2, [s1, s2]);
  await waitFor('server 2 follows', async () => (await mode(s2)) === 'follower', 60_000, 250);
}, 150_000);

afterAll(() => {
  killAll();
  process.off('exit', killAll);
  rmSync(dir, { recursive: true, force: true });
});

describe('raw reconfig against Apache ZooKeeper 3.8', () => {
  it('adds a synced server as a voter', async () => {
    await rawReconfigurer().reconfig(`127.0.0.1:${s1.client}`, { joining: [line(s2)] });
    await waitFor(
      'both servers see two voters',
      async () => (await membership(s1)).length === 2 && (await membership(s2)).length === 2,
      20_000,
    );
    expect(await membership(s1)).toEqual([line(s1), line(s2)].sort());
  });

  it('removes a voter by id', async () => {
    await rawReconfigurer().reconfig(`127.0.0.1:${s1.client}`, { leaving: [2] });
    await waitFor('one voter left', async () => (await membership(s1)).length === 1, 20_000);
    expect(await membership(s1)).toEqual([line(s1)]);
  });

  it('refuses to add a server that is not running, with the ZooKeeper error code', async () => {
    const ghost: Server = {
      id: 3,
      client: await freePort(),
      quorum: await freePort(),
      election: await freePort(),
    };
    const err = await rawReconfigurer({ timeoutMs: 20_000 })
      .reconfig(`127.0.0.1:${s1.client}`, { joining: [line(ghost)] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ReconfigError);
    // ZNEWCONFIGNOQUORUM: no quorum of the new configuration is connected and synced.
    expect((err as ReconfigError).code).toBe(-13);
  });
});
