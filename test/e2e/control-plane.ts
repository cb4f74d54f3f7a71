/**
 * A real Kubernetes control plane on loopback for the e2e tests: etcd, kube-apiserver and
 * kube-controller-manager built by scripts/control-plane-build.sh, with throwaway certificates,
 * a service-account key and an admin kubeconfig in a temp dir. There is no scheduler, kubelet
 * or kube-proxy: the test kubelet (./kubelet/) binds and runs pods.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminKubeconfig, makeControlPlanePki, type ControlPlanePki } from './pki.js';

export interface ControlPlaneOptions {
  /** Directory holding etcd, kube-apiserver, kube-controller-manager; default: the build script's cache. */
  binDir?: string;
  /** Start kube-controller-manager (StatefulSets, garbage collector, PVC protection). Default true. */
  controllerManager?: boolean;
  /** How long to wait for each component to become healthy. Default 120 s. */
  readyTimeoutMs?: number;
  /** Keep the temp dir (logs, etcd data) after stop(). Default false. */
  keepDir?: boolean;
}

export interface ControlPlane {
  kubeconfigPath: string;
  apiServerUrl: string;
  /** The temp dir: certificates, kubeconfig, etcd data, and one `<component>.log` per process. */
  dir: string;
  /** The last lines of every component's log, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const components = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;

/** Runs the (cached) build script and returns its binary directory. */
export function controlPlaneBinDir(): string {
  const fromEnv = process.env.ZKTS_CONTROL_PLANE_BIN;
  if (fromEnv) return fromEnv;
  const r = spawnSync('bash', [join(repoRoot, 'scripts/control-plane-build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const dir = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !dir || !existsSync(join(dir, 'kube-apiserver'))) {
    throw new Error(`scripts/control-plane-build.sh failed (exit ${r.status})`);
  }
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}

function tail(path: string, lines: number): string {
  if (!existsSync(path)) return '(no log)';
  return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
}

/** GET over TLS with the admin certificate; resolves with the status code, never rejects. */
function httpsStatus(url: string, pki: ControlPlanePki): Promise<number> {
  return new Promise((done) => {
    const req = request(
      url,
      {
        ca: readFileSync(pki.caCertPath),
        cert: readFileSync(pki.adminCertPath),
        key: readFileSync(pki.adminKeyPath),
        timeout: 5_000,
      },
      (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(0));
    req.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = opts.binDir ?? controlPlaneBinDir();
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  const dir = mkdtempSync(join(tmpdir(), 'zkts-cp-'));
  const children = new Map<string, ChildProcess>();
  const logPath = (name: string) => join(dir, `${name}.log`);

  const killAllNow = () => {
    for (const child of children.values()) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  };
  process.on('exit', killAllNow);

  const logs = () =>
    components
      .filter((c) => existsSync(logPath(c)))
      .map((c) => `----- ${c} (${logPath(c)}) -----\n${tail(logPath(c), 40)}`)
      .join('\n');

  const launch = (name: string, args: string[]) => {
    const fd = openSync(logPath(name), 'a');
    // setpriv --pdeathsig: the kernel kills the component if this process dies without
    // running its exit handler (SIGKILL, a crash), so nothing outlives a test run.
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', join(binDir, name), ...args], {
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    children.set(name, child);
    return child;
  };

  const stop = async () => {
    // Reverse start order: the controller manager first, etcd last.
    for (const name of [...components].reverse()) {
      const child = children.get(name);
      if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
        continue;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      process.kill(child.pid, 'SIGTERM');
      const graceful = await Promise.race([
        exited.then(() => true),
        sleep(10_000).then(() => false),
      ]);
      if (!graceful) {
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
    }
    process.off('exit', killAllNow);
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  };

  const waitFor = async (what: string, check: () => Promise<boolean>, child: ChildProcess) => {
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${what} exited (${child.exitCode ?? child.signalCode}) before it was ready\n${logs()}`,
        );
      }
      if (await check()) return;
      await sleep(250);
    }
    throw new Error(`${what} not ready after ${readyTimeoutMs} ms\n${logs()}`);
  };

  try {
    const pki = makeControlPlanePki(dir);
    const [etcdClientPort, etcdPeerPort, apiPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];

    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const etcd = launch('etcd', [
      '--name=default',
      `--data-dir=${join(dir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
      // A test cluster's data is thrown away: skipping fsync spares the shared disk.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await waitFor(
      'etcd',
      async () => {
        try {
          const res = await fetch(`${etcdUrl}/health`);
          return res.ok;
        } catch {
          return false;
        }
      },
      etcd,
    );

    const apiServerUrl = `https://127.0.0.1:${apiPort}`;
    const certDir = join(dir, 'apiserver-certs');
    mkdirSync(certDir);
    const apiserver = launch('kube-apiserver', [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${certDir}`,
      `--tls-cert-file=${pki.servingCertPath}`,
      `--tls-private-key-file=${pki.servingKeyPath}`,
      `--client-ca-file=${pki.caCertPath}`,
      `--service-account-key-file=${pki.serviceAccountPublicKeyPath}`,
      `--service-account-signing-key-file=${pki.serviceAccountKeyPath}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--authorization-mode=RBAC',
      // Cluster IPs are only allocated, never routed: there is no kube-proxy here.
      '--service-cluster-ip-range=10.96.0.0/16',
      // Endpoints may not hold loopback addresses, so the `kubernetes` Service gets none.
      '--endpoint-reconciler-type=none',
      '--allow-privileged=true',
      '--profiling=false',
      '--v=1',
    ]);
    await waitFor(
      'kube-apiserver',
      async () => (await httpsStatus(`${apiServerUrl}/readyz`, pki)) === 200,
      apiserver,
    );

    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfigPath, adminKubeconfig(pki, apiServerUrl), { mode: 0o600 });

    if (opts.controllerManager !== false) {
      const kcm = launch('kube-controller-manager', [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--leader-elect=false',
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${pki.serviceAccountKeyPath}`,
        `--root-ca-file=${pki.caCertPath}`,
        // No node IPAM (pods take loopback addresses from the test kubelet) and no node
        // lifecycle (the test kubelet posts Ready but no heartbeat Lease; nothing to evict to).
        '--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller',
        '--v=1',
      ]);
      // It serves no health port (--secure-port=0); it is up once it has written its
      // service-account controllers' tokens, i.e. the `default` ServiceAccount exists.
      await waitFor(
        'kube-controller-manager',
        async () =>
          (await httpsStatus(
            `${apiServerUrl}/api/v1/namespaces/default/serviceaccounts/default`,
            pki,
          )) === 200,
        kcm,
      );
    }

    return { kubeconfigPath, apiServerUrl, dir, logs, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
