/**
 * The test harness itself: the chosen target (ZK_TARGET, default Apache) starts on a free
 * loopback port, answers four-letter words and a real client, keeps a given data dir across
 * a restart, and is gone after stop()/kill().
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fourLetterWord } from '../support/fourlw.js';
import { startTarget, targetKind, type Target } from '../support/target.js';
import { connectClient, call, type NodeZkClient } from '../support/node-zk.js';

const kind = targetKind();
const started: Target[] = [];
const clients: NodeZkClient[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  for (const c of clients) c.close();
  for (const t of started) await t.stop();
});

describe(`harness (${kind})`, () => {
  it('starts, answers ruok and a client, stops and cleans its temp data dir', async () => {
    const t = await startTarget();
    started.push(t);
    expect(t.host).toBe('127.0.0.1');
    expect(t.connectString).toBe(`127.0.0.1:${t.port}`);
    expect(await fourLetterWord(t.host, t.port, 'ruok')).toBe('imok');
    const c = await connectClient(t.connectString);
    clients.push(c);
    expect(await call<string>((cb) => c.create('/h', Buffer.from('x'), cb))).toBe('/h');
    c.close();
    await t.stop();
    expect(alive(t.pid)).toBe(false);
    expect(existsSync(t.dataDir)).toBe(false);
    expect(await fourLetterWord(t.host, t.port, 'ruok', 500)).toBe('');
  });

  it('keeps a given data dir across kill() and a restart on the same port', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zkts-harness-'));
    try {
      const t1 = await startTarget({ dataDir, config: { maxClientCnxns: '10' } });
      started.push(t1);
      const c1 = await connectClient(t1.connectString);
      clients.push(c1);
      await call<string>((cb) => c1.create('/kept', Buffer.from('v'), cb));
      c1.close();
      await t1.kill();
      expect(alive(t1.pid)).toBe(false);
      expect(existsSync(dataDir)).toBe(true);
      const t2 = await startTarget({ dataDir, port: t1.port });
      started.push(t2);
      expect(t2.port).toBe(t1.port);
      const c2 = await connectClient(t2.connectString);
      clients.push(c2);
      const data = await call<Buffer>((cb) => c2.getData('/kept', cb));
      expect(data?.toString()).toBe('v');
      c2.close();
      await t2.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
