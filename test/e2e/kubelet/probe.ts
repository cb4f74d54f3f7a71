/**
 * Runs one readiness probe against a pod: httpGet and tcpSocket at the pod's address,
 * exec inside the pod's mount and UTS namespaces (nsenter into its process).
 */
import type { V1Container, V1Probe } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';

export interface ProbeTarget {
  podIp: string;
  /** pid of the pod's process, whose namespaces an exec probe enters */
  pid: number;
  env: Record<string, string>;
  /** maps an exec probe's argv the same way the container command is mapped */
  mapArgv(argv: string[]): string[];
}

function resolvePort(port: number | string | undefined, container: V1Container): number {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`probe port ${String(port)} is not a container port`);
  return named.containerPort;
}

function httpGet(url: string, timeoutMs: number): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then(
    async (res) => {
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 400;
    },
    () => false,
  );
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

function execIn(target: ProbeTarget, argv: string[], timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const child = spawn(
      'nsenter',
      ['-t', String(target.pid), '-m', '-u', '--', ...target.mapArgv(argv)],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...target.env },
        stdio: 'ignore',
      },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', () => {
      clearTimeout(timer);
      done(false);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      done(code === 0);
    });
  });
}

/**
 * An exec probe here starts a fresh process (often a Node.js CLI), which takes far longer
 * than a kubelet's exec in a running container: it gets at least 10 s.
 */
export function runProbe(
  probe: V1Probe,
  container: V1Container,
  target: ProbeTarget,
): Promise<boolean> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, container);
    const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase();
    const host = probe.httpGet.host ?? target.podIp;
    return httpGet(`${scheme}://${host}:${port}${probe.httpGet.path ?? '/'}`, timeoutMs);
  }
  if (probe.tcpSocket) {
    return tcpOpen(
      probe.tcpSocket.host ?? target.podIp,
      resolvePort(probe.tcpSocket.port, container),
      timeoutMs,
    );
  }
  if (probe.exec?.command) return execIn(target, probe.exec.command, Math.max(timeoutMs, 10_000));
  return Promise.resolve(false);
}
