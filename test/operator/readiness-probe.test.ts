/**
 * The member readiness probe's script, run as the kubelet runs it (node -e), against an HTTP
 * server answering like the admin endpoint: ready only when ruok has no error.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readinessScript } from '../../src/operator/specs/objects.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function adminAnswering(body: unknown): Promise<number> {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

// Spawned, not spawnSync: the admin stand-in lives in this process and must keep answering.
const run = (port: number) =>
  new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['-e', readinessScript(port)], {
      stdio: 'ignore',
      env: { ...process.env, POD_IP: '127.0.0.1' },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });

describe('member readiness probe', () => {
  it('is ready when ruok has no error', async () => {
    expect(await run(await adminAnswering({ command: 'ruok', error: null }))).toBe(0);
  });
  it('is not ready while the member is not serving', async () => {
    expect(
      await run(
        await adminAnswering({
          command: 'ruok',
          error: 'This ZooKeeper instance is not currently serving requests',
        }),
      ),
    ).toBe(1);
  });
  it('is not ready when nothing answers', async () => {
    const port = await adminAnswering({});
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    expect(await run(port)).toBe(1);
  });
});
