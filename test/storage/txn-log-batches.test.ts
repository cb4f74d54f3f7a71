/**
 * TxnLog batches: appends framed in place into the batch being filled, a batch cap that starts
 * the next batch, an encoder that throws, and the file holding exactly what was acknowledged.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JuteWriter } from '../../src/node/proto/jute.js';
import { silentLogger } from '../../src/node/storage/logger.js';
import { TxnLog } from '../../src/node/storage/txn-log.js';
import { scanLogFile } from '../../src/node/storage/txn-log-file.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'zkts-txnlog-'));
  dirs.push(d);
  return d;
}

const payload = (i: number): Buffer => Buffer.alloc(20 + (i % 50), i & 0xff);

describe('TxnLog batches', () => {
  it('caps a batch at maxTxnsPerFsync, keeps order, and writes every acknowledged payload once', async () => {
    const dir = await tempDir();
    const log = new TxnLog({
      dir,
      preAllocBytes: 4096,
      forceSync: true,
      logger: silentLogger,
      maxTxnsPerFsync: 7,
    });
    const acks: Promise<void>[] = [];
    for (let i = 1; i <= 50; i++) {
      // Half through the in-place path, half as ready-made payloads.
      acks.push(
        i % 2 === 0
          ? log.appendWith(BigInt(i), (w: JuteWriter, p: Buffer) => w.raw(p), payload(i))
          : log.append(BigInt(i), payload(i)),
      );
      expect(log.lastEntryBytes).toBe(payload(i).length + 13);
    }
    await Promise.all(acks);
    expect(log.stats.txnsWritten).toBe(50);
    expect(log.stats.batches).toBeGreaterThanOrEqual(Math.ceil(50 / 7));
    await log.close();
    expect(await readdir(dir)).toEqual(['log.1']);
    const scan = await scanLogFile(join(dir, 'log.1'));
    expect(scan.end.kind).toBe('clean');
    expect(scan.entries.map((e) => e.payload)).toEqual(
      Array.from({ length: 50 }, (_, i) => payload(i + 1)),
    );
  });

  it('an encoder that throws fails only its own append and leaves nothing in the file', async () => {
    const dir = await tempDir();
    const log = new TxnLog({ dir, preAllocBytes: 0, forceSync: false, logger: silentLogger });
    const first = log.append(1n, payload(1));
    expect(() =>
      log.appendWith(
        2n,
        (w: JuteWriter) => {
          w.int(12345);
          throw new Error('cannot encode');
        },
        null,
      ),
    ).toThrow('cannot encode');
    const second = log.append(2n, payload(2));
    await Promise.all([first, second]);
    // A batch whose only append threw is dropped without an unhandled rejection.
    expect(() =>
      log.appendWith(
        3n,
        () => {
          throw new Error('cannot encode either');
        },
        null,
      ),
    ).toThrow('cannot encode either');
    await log.drain();
    await log.close();
    const scan = await scanLogFile(join(dir, 'log.1'));
    expect(scan.end.kind).toBe('clean');
    expect(scan.entries.map((e) => e.payload)).toEqual([payload(1), payload(2)]);
  });
});
