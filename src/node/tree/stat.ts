/** StatPersisted helpers and the client Stat derivation (client-protocol.md §10). */
import type { Stat, StatPersisted } from '../proto/types.js';
import { clientEphemeralOwner } from './ephemeral.js';

export function emptyStatPersisted(): StatPersisted {
  return {
    czxid: 0n,
    mzxid: 0n,
    ctime: 0,
    mtime: 0,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    pzxid: 0n,
  };
}

export function createStat(zxid: bigint, timeMs: number, ephemeralOwner: bigint): StatPersisted {
  return {
    czxid: zxid,
    mzxid: zxid,
    ctime: timeMs,
    mtime: timeMs,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner,
    pzxid: zxid,
  };
}

export function copyStatPersisted(s: StatPersisted): StatPersisted {
  return { ...s };
}

/** DataNode.copyStat: client cversion = 2 × persisted − numChildren (Java int arithmetic). */
export function clientStat(s: StatPersisted, dataLength: number, numChildren: number): Stat {
  return {
    czxid: s.czxid,
    mzxid: s.mzxid,
    ctime: s.ctime,
    mtime: s.mtime,
    version: s.version,
    cversion: (s.cversion * 2 - numChildren) | 0,
    aversion: s.aversion,
    ephemeralOwner: clientEphemeralOwner(s.ephemeralOwner),
    dataLength,
    numChildren,
    pzxid: s.pzxid,
  };
}
