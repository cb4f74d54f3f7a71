/** currentEpoch / acceptedEpoch (persistence.md §6): one decimal long, no newline, atomic replace. */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
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

export interface Epochs {
  currentEpoch: bigint;
  acceptedEpoch: bigint;
}

/**
 * Startup rules of QuorumPeer.loadDataBase: a missing file is created from the epoch of
 * the last loaded zxid; epoch(lastZxid) > currentEpoch is fatal unless currentEpoch.tmp
 * exists (its value is adopted: a crash between writing the tmp file and the rename);
 * acceptedEpoch < currentEpoch is fatal.
 */
export async function loadEpochs(dir: string, lastZxid: bigint): Promise<Epochs> {
  const epochOfZxid = lastZxid >> 32n;
  let current = await readEpochFile(dir, CURRENT_EPOCH_FILE);
  if (current === null) {
    current = epochOfZxid;
    await writeEpochFile(dir, CURRENT_EPOCH_FILE, current);
  }
  if (epochOfZxid > current) {
    const tmp = await readEpochFile(dir, `${CURRENT_EPOCH_FILE}.tmp`);
    if (tmp === null)
      throw new Error(
        `${join(dir, CURRENT_EPOCH_FILE)}: the current epoch ${current} is older than the last zxid's epoch ${epochOfZxid}`,
      );
    current = tmp;
    await writeEpochFile(dir, CURRENT_EPOCH_FILE, current);
  }
  let accepted = await readEpochFile(dir, ACCEPTED_EPOCH_FILE);
  if (accepted === null) {
    accepted = epochOfZxid;
    await writeEpochFile(dir, ACCEPTED_EPOCH_FILE, accepted);
  }
  if (accepted < current)
    throw new Error(
      `${join(dir, ACCEPTED_EPOCH_FILE)}: the accepted epoch ${accepted} is less than the current epoch ${current}`,
    );
  return { currentEpoch: current, acceptedEpoch: accepted };
}

/**
 * The same atomic replace, synchronously: the Zab machines send the ACKEPOCH/NEWLEADER ack that
 * depends on an epoch file in the same step that asks for the write, so it must be durable first.
 */
export function writeEpochFileSync(dir: string, name: string, epoch: bigint): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, Buffer.from(epoch.toString(), 'ascii'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}
