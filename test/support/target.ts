/**
 * Which server a compat suite runs against: ZK_TARGET=zkts (default, what CI checks) or
 * ZK_TARGET=apache (to check a suite's own expectations against Apache ZooKeeper 3.8),
 * or a parameter. Suites call startTarget() and never care which one they got.
 */
import { startApacheZk } from './apache-zk.js';
import type { ServerHandle } from './process-group.js';
import { startZkts } from './zkts-server.js';

export type TargetKind = 'apache' | 'zkts';

export interface TargetOptions {
  host?: string;
  port?: number;
  dataDir?: string;
  config?: Record<string, string>;
}

export interface Target extends ServerHandle {
  kind: TargetKind;
}

export function targetKind(kind?: string): TargetKind {
  const k = kind ?? process.env.ZK_TARGET ?? 'zkts';
  if (k !== 'apache' && k !== 'zkts') throw new Error(`ZK_TARGET must be apache or zkts, not ${k}`);
  return k;
}

export async function startTarget(opts: TargetOptions = {}, kind?: TargetKind): Promise<Target> {
  const k = targetKind(kind);
  const h = k === 'apache' ? await startApacheZk(opts) : await startZkts(opts);
  return Object.assign(h, { kind: k });
}
