/**
 * readMemberState against an HTTP server answering with Apache ZooKeeper 3.8's own admin JSON
 * (captures in src/node/server/testdata/apache-3.8.0/admin), and a leader's answers derived
 * from them.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readMemberState, requestYield } from './members.js';

const captures = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../node/server/testdata/apache-3.8.0/admin',
);
const capture = (name: string) =>
  JSON.parse(readFileSync(join(captures, `${name}.json`), 'utf8')) as Record<string, unknown>;

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function admin(answers: Record<string, unknown>): Promise<string> {
  server = createServer((req, res) => {
    const name = (req.url ?? '').replace('/commands/', '');
    const body = answers[name];
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'Unknown command' }));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('readMemberState', () => {
  it('reads role and zxid from a standalone Apache server', async () => {
    const addr = await admin({ srvr: capture('server_stats') });
    expect(await readMemberState(addr)).toEqual({ role: 'standalone', zxid: 5n });
  });

  it('reads a leader: synced followers and the voting view', async () => {
    const stats = capture('server_stats');
    const srvr = {
      ...stats,
      server_stats: {
        ...(stats.server_stats as object),
        server_state: 'leader',
        last_processed_zxid: 0x100000007,
      },
    };
    const mntr = { ...capture('monitor'), server_state: 'leader', synced_followers: 2 };
    const votingView = {
      ...capture('voting_view'),
      current_config: {
        '1': 'zk-0.zk-headless.ns.svc.cluster.local:2888:3888:participant;0.0.0.0:2181',
        '2': 'zk-1.zk-headless.ns.svc.cluster.local:2888:3888:participant;0.0.0.0:2181',
        '3': 'zk-2.zk-headless.ns.svc.cluster.local:2888:3888:participant;0.0.0.0:2181',
      },
    };
    const addr = await admin({ srvr, mntr, voting_view: votingView });
    expect(await readMemberState(addr)).toEqual({
      role: 'leader',
      zxid: 0x100000007n,
      syncedFollowers: 2,
      votingServerIds: [1, 2, 3],
    });
  });

  it('a member that is not serving, or does not answer, is unknown', async () => {
    const addr = await admin({
      srvr: {
        command: 'server_stats',
        error: 'This ZooKeeper instance is not currently serving requests',
      },
    });
    expect(await readMemberState(addr)).toEqual({ role: 'unknown' });
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    expect(await readMemberState(addr, 500)).toEqual({ role: 'unknown' });
  });
});

describe('requestYield', () => {
  async function answering(status: number, body: string): Promise<string> {
    server = createServer((_req, res) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("Apache 3.8's answer (200 with an Unknown command error) means the member cannot yield", async () => {
    // What Apache ZooKeeper 3.8.x's admin server answers, byte for byte.
    const addr = await answering(
      200,
      '{\n  "command" : "yield_leadership",\n  "error" : "Unknown command: yield_leadership"\n}',
    );
    expect(await requestYield(addr)).toEqual({
      outcome: 'unsupported',
      message: 'Unknown command: yield_leadership',
    });
  });

  it('a plain 404 means the member cannot yield', async () => {
    expect(await requestYield(await answering(404, 'Not Found'))).toEqual({
      outcome: 'unsupported',
      message: 'HTTP 404',
    });
  });

  it("zkts's leader answers that it is yielding; a follower refuses", async () => {
    const yielding = await answering(
      200,
      JSON.stringify({
        command: 'yield_leadership',
        yielding: true,
        message: 'Yielding leadership',
        error: null,
      }),
    );
    expect(await requestYield(yielding)).toEqual({
      outcome: 'yielding',
      message: 'Yielding leadership',
    });
    await new Promise<void>((r) => server!.close(() => r()));
    const follower = await answering(
      200,
      JSON.stringify({
        command: 'yield_leadership',
        yielding: false,
        message: 'This server is not the leader',
        error: null,
      }),
    );
    expect(await requestYield(follower)).toEqual({
      outcome: 'refused',
      message: 'This server is not the leader',
    });
  });
});
