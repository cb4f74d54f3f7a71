/** currentEpoch / acceptedEpoch (persistence.md §6): one decimal long, no newline, atomic replace. */
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, fsyncDir, writeFully } from './fs-util.js';

export const CURRENT_EPOCH_FILE = 'currentEpoch';
export const ACCEPTED_EPOCH_FILE = 'acceptedEpoch';

/** The value in the file, or null when it does not exist. */
export async function readEpochFile(dir: string, name: string): Promise<bigint | null> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
  const t = text.trim();
  if (!/^-?\d+$/.test(t))
    throw new Error(`${join(dir, name)}: not a decimal number: ${JSON.stringify(text)}`);
  return BigInt(t);
}

/** Write name.tmp, fsync, rename over name, fsync the dir (AtomicFileOutputStream). */
export async function writeEpochFile(dir: string, name: string, epoch: bigint): Promise<void> {
  const tmp = join(dir, `${name}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await writeFully(fh, Buffer.from(epoch.toString(), 'ascii'), 0);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, name));
  await fsyncDir(dir);
}
