/**
 * Runs a pod's first container as a local process group: in its own mount and UTS namespaces
 * (`unshare -m -u`), with the pod name as hostname, a private /etc/hosts bind-mounted over
 * the host's, and each volume bind-mounted at its container mountPath.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const shimPath = join(dirname(fileURLToPath(import.meta.url)), 'pod-network-shim.mjs');

export interface Entrypoints {
  /** image (with or without tag or registry) → the argv its entrypoint runs */
  images: Record<string, string[]>;
  /** executable named in a container command → the argv that stands for it here */
  executables: Record<string, string[]>;
}

function imageKeys(image: string): string[] {
  const noDigest = image.split('@')[0] ?? image;
  const lastColon = noDigest.lastIndexOf(':');
  const noTag = lastColon > noDigest.lastIndexOf('/') ? noDigest.slice(0, lastColon) : noDigest;
  return [image, noDigest, noTag, noTag.split('/').pop() ?? noTag];
}

/** The argv Kubernetes would run: command replaces the image entrypoint, args follow it. */
export function containerArgv(container: V1Container, entrypoints: Entrypoints): string[] {
  let argv: string[];
  if (container.command && container.command.length > 0) {
    const [exe, ...rest] = container.command;
    argv = [...(entrypoints.executables[exe ?? ''] ?? [exe ?? '']), ...rest];
  } else {
    const key = imageKeys(container.image ?? '').find((k) => entrypoints.images[k] !== undefined);
    if (key === undefined) throw new Error(`no entrypoint known for image ${container.image}`);
    argv = [...(entrypoints.images[key] ?? [])];
  }
  return [...argv, ...(container.args ?? [])];
}

/** Resolves env values the way kubelet does for the fields these tests use. */
export function containerEnv(
  pod: V1Pod,
  container: V1Container,
  podIp: string,
): Record<string, string> {
  const fields: Record<string, string> = {
    'metadata.name': pod.metadata?.name ?? '',
    'metadata.namespace': pod.metadata?.namespace ?? '',
    'metadata.uid': pod.metadata?.uid ?? '',
    'spec.nodeName': pod.spec?.nodeName ?? '',
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
    'status.podIP': podIp,
    'status.hostIP': '127.0.0.1',
  };
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.fieldRef?.fieldPath;
    if (e.value !== undefined) env[e.name] = e.value;
    else if (ref !== undefined) {
      const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(ref);
      if (label)
        env[e.name] =
          (label[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[
            label[2] ?? ''
          ] ?? '';
      else env[e.name] = fields[ref] ?? '';
    } else env[e.name] = '';
  }
  return env;
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface PodProcessSpec {
  podDir: string;
  hostname: string;
  hostsFile: string;
  podIp: string;
  argv: string[];
  env: Record<string, string>;
  mounts: Mount[];
  workingDir?: string;
  /** file name of the output log in podDir; default container.log */
  logName?: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Mount points are made on the host when missing (a mount namespace shares the host's
 * directories); the paths made are returned so they can be removed at the end.
 */
export function ensureMountPoints(mounts: Mount[], hostsFile: string): string[] {
  const made: string[] = [];
  for (const m of [...mounts, { source: hostsFile, target: '/etc/hosts', readOnly: false }]) {
    if (existsSync(m.target)) continue;
    const isFile = !statIsDir(m.source);
    let dir = isFile ? dirname(m.target) : m.target;
    const missing: string[] = [];
    while (!existsSync(dir)) {
      missing.unshift(dir);
      dir = dirname(dir);
    }
    mkdirSync(isFile ? dirname(m.target) : m.target, { recursive: true });
    if (isFile) {
      writeFileSync(m.target, '');
      missing.push(m.target);
    }
    made.push(...missing);
  }
  return made;
}

function statIsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function startPodProcess(spec: PodProcessSpec): ChildProcess {
  mkdirSync(spec.podDir, { recursive: true });
  const lines = ['set -e', `mount --bind ${quote(spec.hostsFile)} /etc/hosts`];
  for (const m of spec.mounts) {
    lines.push(`mount --bind ${quote(m.source)} ${quote(m.target)}`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${quote(m.target)}`);
  }
  lines.push(`hostname ${quote(spec.hostname)}`);
  if (spec.workingDir) lines.push(`cd ${quote(spec.workingDir)}`);
  lines.push('exec "$@"');
  const script = join(spec.podDir, 'start.sh');
  writeFileSync(script, lines.join('\n') + '\n');

  const log = openSync(join(spec.podDir, spec.logName ?? 'container.log'), 'a');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: '/root',
    HOSTNAME: spec.hostname,
    ...spec.env,
    ZKTS_TEST_POD_IP: spec.podIp,
    NODE_OPTIONS: `--import=${shimPath} ${spec.env.NODE_OPTIONS ?? ''}`.trim(),
  };
  // detached: a process group of its own, so deleting the pod kills everything it started.
  // setpriv --pdeathsig: the pod dies with the kubelet's process even if no exit handler runs.
  const child = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      '--',
      'unshare',
      '-m',
      '-u',
      '--propagation',
      'private',
      'sh',
      script,
      ...spec.argv,
    ],
    {
      env,
      stdio: ['ignore', log, log],
      detached: true,
    },
  );
  closeSync(log);
  return child;
}

export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}
