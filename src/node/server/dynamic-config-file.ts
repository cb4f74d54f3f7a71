/**
 * Dynamic config files (persistence.md, quorum-protocol.md §8), as Apache's QuorumPeerConfig
 * writes and reads them: `<zoo.cfg>.dynamic.<hexVersion>` holds the committed `server.N`
 * lines, and zoo.cfg is rewritten to point at it with `dynamicConfigFile=`, so a restart comes
 * back with the config the ensemble last committed.
 */
import {
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  closeSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { QuorumConfig } from '../quorum/reconfig.js';
import { ConfigError } from './config-error.js';
import { parseDynamicConfig, type ZkConfig } from './config.js';
import { formatDynamicConfigFile } from './config-servers.js';

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Keys editStaticConfig drops: the membership now lives in the dynamic file. */
function membershipKey(key: string): boolean {
  return (
    key.startsWith('server.') ||
    key.startsWith('group') ||
    key.startsWith('weight') ||
    key === 'peerType' ||
    key === 'dynamicConfigFile'
  );
}

/**
 * Writes `<staticFile>.dynamic.<hex version>` and points zoo.cfg at it (Apache's
 * writeDynamicConfig + editStaticConfig). The first time, zoo.cfg is kept as zoo.cfg.bak.
 * clientPort/clientPortAddress leave zoo.cfg when our own server line names a client address.
 */
export function writeDynamicConfigFiles(
  staticFile: string,
  config: QuorumConfig,
  myId: number,
): string {
  const dynamicFile = `${staticFile}.dynamic.${BigInt.asUintN(64, config.version).toString(16)}`;
  writeAtomic(dynamicFile, formatDynamicConfigFile(config.servers, config.version, false) + '\n');
  const backup = `${staticFile}.bak`;
  if (!existsSync(backup)) copyFileSync(staticFile, backup);
  const ownClient = config.servers.find((s) => s.id === myId)?.clientAddress !== undefined;
  const kept = readFileSync(staticFile, 'utf8')
    .split(/\r?\n/)
    .filter((line) => {
      const t = line.trim();
      if (t === '') return false;
      if (t.startsWith('#') || t.startsWith('!')) return true;
      const key = t.split(/[=:\s]/)[0]!;
      if (membershipKey(key)) return false;
      return !(ownClient && (key === 'clientPort' || key === 'clientPortAddress'));
    });
  kept.push(`dynamicConfigFile=${dynamicFile}`);
  writeAtomic(staticFile, kept.join('\n') + '\n');
  // setQuorumVerifier: the proposed config is now committed, so `.next` goes.
  const next = `${staticFile}.dynamic.next`;
  if (existsSync(next)) {
    const pending = versionOfNext(next);
    if (pending === undefined || pending <= config.version) rmSync(next, { force: true });
  }
  return dynamicFile;
}

function versionOfNext(file: string): bigint | undefined {
  const m = /^version=([0-9a-fA-F]{1,16})$/m.exec(readFileSync(file, 'utf8'));
  return m === null ? undefined : BigInt.asIntN(64, BigInt(`0x${m[1]}`));
}

/**
 * setLastSeenQuorumVerifier(qv, true): a proposed reconfig goes to `<zoo.cfg>.dynamic.next`,
 * with its version line (zkts itself finds a pending config in its rebuilt tree; the file is
 * for Apache's tools and operators that read it).
 */
export function writeNextDynamicConfig(staticFile: string, config: QuorumConfig): void {
  writeAtomic(
    `${staticFile}.dynamic.next`,
    formatDynamicConfigFile(config.servers, config.version, true) + '\n',
  );
}

/**
 * A zoo.cfg with `dynamicConfigFile`: its servers come from that file (version from the name's
 * suffix) and the member runs as a quorum peer as Apache decides it. Without the key: as parsed,
 * version 0.
 */
export function withDynamicConfig(
  config: ZkConfig,
  staticFile: string,
): { config: ZkConfig; version: bigint } {
  const file = config.dynamicConfigFile;
  if (file === undefined) return { config, version: 0n };
  const path = isAbsolute(file) ? file : join(dirname(staticFile), file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      staticFile,
      undefined,
      'dynamicConfigFile',
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  const dynamic = parseDynamicConfig(text, basename(path), {
    multiAddressEnabled: config.multiAddressEnabled,
  });
  const participants = dynamic.servers.filter((s) => s.role === 'participant').length;
  const distributed = participants > 1 || (!config.standaloneEnabled && dynamic.servers.length > 0);
  return {
    config: { ...config, servers: dynamic.servers, distributed },
    version: dynamic.version,
  };
}
