/**
 * A small test kubelet for the loopback control plane. It stands in for kubelet and
 * kube-proxy only: it registers one Ready Node, binds every unscheduled pod to it through the
 * pods/binding subresource (there is no kube-scheduler), runs each pod's first container as a
 * local process (see pod-process.ts) at an address of its own, 127.0.0.X, reports phase, podIP
 * and readiness from the pod's readiness probe, restarts exited containers, and on deletion
 * runs the preStop exec hook, stops the process group within the grace period and deletes
 * the pod for good. Init containers run once, in order, before the first container. Not done:
 * liveness/startup probes, sidecars (of the containers only the first runs), runAsUser,
 * resource limits, projected/secret volumes, service links.
 */
import {
  CoreV1Api,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1Container,
  type V1Pod,
  type V1PodCondition,
} from '@kubernetes/client-node';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  containerArgv,
  containerEnv,
  ensureMountPoints,
  signalGroup,
  startPodProcess,
  type Entrypoints,
  type Mount,
} from './pod-process.js';
import { runProbe } from './probe.js';
import { SERVER_NODE_FLAGS } from '../../../src/node/server/node-flags.js';
import { preparePodVolumes, VolumeNotReady, type PodVolumes } from './volumes.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// The image's ENTRYPOINT (Dockerfile): node with the server's flags, then bin/zkts.
const zktsArgv = ['node', ...SERVER_NODE_FLAGS, join(repoRoot, 'bin/zkts')];

export interface TestKubeletOptions {
  kubeconfigPath: string;
  nodeName?: string;
  /** Pods' files (hosts, volumes, logs) go here; default a new temp dir, removed on stop. */
  rootDir?: string;
  /** Default: images named `zkts` and the executable `zkts` run `node <repo>/bin/zkts`. */
  entrypoints?: Partial<Entrypoints>;
}

export interface TestKubelet {
  nodeName: string;
  rootDir: string;
  /** The address given to a pod name (stable for this kubelet's life), if it has one. */
  podIp(namespace: string, name: string): string | undefined;
  /** What the pod's current process printed so far. */
  podLog(namespace: string, name: string): string;
  /** Every pod's log tail, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

interface PodRun {
  uid: string;
  key: string;
  pod: V1Pod;
  ip: string;
  dir: string;
  hostsFile: string;
  mounts?: Mount[];
  env: Record<string, string>;
  child?: ChildProcess;
  startedAt?: Date;
  restartCount: number;
  nextStartAtMs: number;
  lastExit?: { code: number | null; signal: string | null; at: Date };
  ready: boolean;
  readySince: Date;
  probeSuccesses: number;
  probeFailures: number;
  nextProbeAtMs: number;
  probing: boolean;
  terminating: boolean;
  reported: string;
  message?: string;
}

const firstPodAddress = 10;

export async function startTestKubelet(opts: TestKubeletOptions): Promise<TestKubelet> {
  const kc = new KubeConfig();
  kc.loadFromFile(opts.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const nodeName = opts.nodeName ?? 'zkts-test-node';
  const ownRoot = opts.rootDir === undefined;
  const rootDir = opts.rootDir ?? mkdtempSync(join(tmpdir(), 'zkts-kubelet-'));
  const entrypoints: Entrypoints = {
    images: { zkts: zktsArgv, ...opts.entrypoints?.images },
    executables: { zkts: zktsArgv, ...opts.entrypoints?.executables },
  };
  const runs = new Map<string, PodRun>(); // by pod uid
  const ipByName = new Map<string, string>(); // by namespace/name: a recreated pod keeps its address
  const madeMountPoints = new Set<string>();
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  let stopped = false;

  const killAllNow = () => {
    for (const run of runs.values()) if (run.child) signalGroup(run.child, 'SIGKILL');
  };
  process.on('exit', killAllNow);

  const addressFor = (key: string): string => {
    let ip = ipByName.get(key);
    if (ip === undefined) {
      const n = firstPodAddress + ipByName.size;
      if (n > 254) throw new Error('test kubelet ran out of 127.0.0.X addresses');
      ip = `127.0.0.${n}`;
      ipByName.set(key, ip);
    }
    return ip;
  };

  await registerNode(core, nodeName, mergePatch);

  const informer = makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
  informer.on('add', () => kick());
  informer.on('update', () => kick());
  informer.on('delete', () => kick());
  informer.on('error', () => {
    // Restart the watch after a pause, as an informer of a real kubelet would.
    if (!stopped) setTimeout(() => void informer.start().catch(() => undefined), 1000);
  });
  await informer.start();

  const hostsFor = (own: PodRun): string => {
    const lines = [`${own.ip} localhost`];
    for (const run of runs.values()) {
      const spec = run.pod.spec;
      const hostname = spec?.hostname ?? run.pod.metadata?.name ?? '';
      const ns = run.pod.metadata?.namespace ?? 'default';
      const names = spec?.subdomain
        ? [`${hostname}.${spec.subdomain}.${ns}.svc.cluster.local`, hostname]
        : [hostname];
      lines.push(`${run.ip} ${names.join(' ')}`);
    }
    return lines.join('\n') + '\n';
  };

  const writeHosts = () => {
    for (const run of runs.values()) {
      const content = hostsFor(run);
      // Written in place (never replaced): it is bind-mounted into the pod by inode.
      if (!existsSync(run.hostsFile) || readFileSync(run.hostsFile, 'utf8') !== content) {
        writeFileSync(run.hostsFile, content);
      }
    }
  };

  const bind = async (pod: V1Pod) => {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    await core.createNamespacedPodBinding({
      name,
      namespace,
      body: {
        metadata: { name, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      },
    });
  };

  const mountsFor = (container: V1Container, volumes: PodVolumes): Mount[] =>
    (container.volumeMounts ?? []).flatMap((vm) => {
      const source = volumes.paths.get(vm.name);
      if (source === undefined) return [];
      return [
        {
          source: vm.subPath ? join(source, vm.subPath) : source,
          target: vm.mountPath,
          readOnly: !!vm.readOnly,
        },
      ];
    });

  const processSpec = (run: PodRun, container: V1Container, mounts: Mount[], logName?: string) => ({
    podDir: run.dir,
    hostname: run.pod.spec?.hostname ?? run.pod.metadata?.name ?? '',
    hostsFile: run.hostsFile,
    podIp: run.ip,
    argv: containerArgv(container, entrypoints),
    env: containerEnv(run.pod, container, run.ip),
    mounts,
    workingDir: container.workingDir,
    logName,
  });

  /** Init containers run once, in order, each to a zero exit, before the first start. */
  const runInitContainers = async (run: PodRun, volumes: PodVolumes) => {
    for (const init of run.pod.spec?.initContainers ?? []) {
      const mounts = mountsFor(init, volumes);
      for (const p of ensureMountPoints(mounts, run.hostsFile)) madeMountPoints.add(p);
      const child = startPodProcess(processSpec(run, init, mounts, `init-${init.name}.log`));
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      if (code !== 0) throw new Error(`init container ${init.name} exited ${code}`);
    }
  };

  const startContainer = async (run: PodRun) => {
    const pod = run.pod;
    const container = pod.spec?.containers[0];
    if (!container) throw new Error('pod has no container');
    if (!run.mounts) {
      const volumes = await preparePodVolumes(core, rootDir, run.dir, pod);
      writeHosts();
      await runInitContainers(run, volumes);
      run.mounts = mountsFor(container, volumes);
      for (const p of ensureMountPoints(run.mounts, run.hostsFile)) madeMountPoints.add(p);
    }
    writeHosts();
    const child = startPodProcess(processSpec(run, container, run.mounts));
    run.child = child;
    run.startedAt = new Date();
    run.ready = false;
    run.probeSuccesses = 0;
    run.probeFailures = 0;
    run.nextProbeAtMs = Date.now() + (container.readinessProbe?.initialDelaySeconds ?? 0) * 1000;
    child.once('exit', (code, signal) => {
      if (run.child !== child) return;
      run.child = undefined;
      run.lastExit = { code, signal, at: new Date() };
      run.ready = false;
      run.readySince = new Date();
      const backoffMs = Math.min(10_000, 1000 * 2 ** Math.min(run.restartCount, 4));
      run.nextStartAtMs = Date.now() + backoffMs;
      kick();
    });
  };

  const probe = async (run: PodRun) => {
    const container = run.pod.spec?.containers[0];
    const readiness = container?.readinessProbe;
    if (!container || !run.child?.pid) return;
    if (!readiness) {
      setReady(run, true);
      return;
    }
    if (run.probing || Date.now() < run.nextProbeAtMs) return;
    run.probing = true;
    try {
      const ok = await runProbe(readiness, container, {
        podIp: run.ip,
        pid: run.child.pid,
        env: { ...run.env, ZKTS_TEST_POD_IP: run.ip },
        mapArgv: (argv) => {
          const [exe, ...rest] = argv;
          return [...(entrypoints.executables[exe ?? ''] ?? [exe ?? '']), ...rest];
        },
      });
      if (ok) {
        run.probeSuccesses++;
        run.probeFailures = 0;
        if (run.probeSuccesses >= (readiness.successThreshold ?? 1)) setReady(run, true);
      } else {
        run.probeFailures++;
        run.probeSuccesses = 0;
        if (run.probeFailures >= (readiness.failureThreshold ?? 3)) setReady(run, false);
      }
    } finally {
      run.probing = false;
      run.nextProbeAtMs = Date.now() + (readiness.periodSeconds ?? 10) * 1000;
      kick();
    }
  };

  const setReady = (run: PodRun, ready: boolean) => {
    if (run.ready === ready) return;
    run.ready = ready;
    run.readySince = new Date();
  };

  const reportStatus = async (run: PodRun) => {
    const container = run.pod.spec?.containers[0];
    const t = (d: Date | undefined) => (d ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
    const running = run.child !== undefined && run.startedAt !== undefined;
    const cond = (type: string, ok: boolean, since?: Date): V1PodCondition => ({
      type,
      status: ok ? 'True' : 'False',
      lastTransitionTime: t(since) as unknown as Date,
    });
    const state = running
      ? { running: { startedAt: t(run.startedAt) } }
      : run.message
        ? { waiting: { reason: 'ContainerCreating', message: run.message } }
        : run.lastExit
          ? {
              waiting: {
                reason: 'CrashLoopBackOff',
                message: `exited ${run.lastExit.code ?? run.lastExit.signal}`,
              },
            }
          : { waiting: { reason: 'ContainerCreating' } };
    const status = {
      phase: run.startedAt ? 'Running' : 'Pending',
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP: run.ip,
      podIPs: [{ ip: run.ip }],
      startTime: t(new Date(run.pod.metadata?.creationTimestamp ?? Date.now())),
      conditions: [
        cond('PodScheduled', true),
        cond('Initialized', true),
        cond('ContainersReady', run.ready, run.readySince),
        cond('Ready', run.ready, run.readySince),
      ],
      containerStatuses: container
        ? [
            {
              name: container.name,
              image: container.image ?? '',
              imageID: '',
              ready: run.ready,
              started: running,
              restartCount: run.restartCount,
              state,
              ...(run.lastExit
                ? {
                    lastState: {
                      terminated: {
                        exitCode: run.lastExit.code ?? 137,
                        signal: undefined,
                        reason: 'Error',
                        finishedAt: t(run.lastExit.at),
                      },
                    },
                  }
                : {}),
            },
          ]
        : [],
    };
    const digest = JSON.stringify(status);
    if (digest === run.reported) return;
    await core.patchNamespacedPodStatus(
      {
        name: run.pod.metadata?.name ?? '',
        namespace: run.pod.metadata?.namespace ?? '',
        body: { status },
      },
      mergePatch,
    );
    run.reported = digest;
  };

  const terminate = async (run: PodRun) => {
    run.terminating = true;
    const pod = run.pod;
    const graceS =
      pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const deadline = Date.now() + graceS * 1000;
    const child = run.child;
    if (child?.pid !== undefined) {
      const exited = new Promise<void>((r) =>
        child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r()),
      );
      const preStop = pod.spec?.containers[0]?.lifecycle?.preStop?.exec?.command;
      if (preStop && graceS > 0) {
        const container = pod.spec?.containers[0];
        if (container) {
          await runProbe({ exec: { command: preStop }, timeoutSeconds: graceS }, container, {
            podIp: run.ip,
            pid: child.pid,
            env: { ...run.env, ZKTS_TEST_POD_IP: run.ip },
            mapArgv: (argv) => {
              const [exe, ...rest] = argv;
              return [...(entrypoints.executables[exe ?? ''] ?? [exe ?? '']), ...rest];
            },
          });
        }
      }
      signalGroup(child, 'SIGTERM');
      const inTime = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), Math.max(0, deadline - Date.now()))),
      ]);
      if (!inTime) {
        signalGroup(child, 'SIGKILL');
        await exited;
      }
    }
    try {
      await core.deleteNamespacedPod({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: run.uid } },
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 404 && (err as { code?: number }).code !== 409)
        throw err;
    }
    runs.delete(run.uid);
  };

  let syncing = false;
  let again = false;
  const sync = async () => {
    if (syncing) {
      again = true;
      return;
    }
    syncing = true;
    try {
      do {
        again = false;
        await syncOnce();
      } while (again && !stopped);
    } finally {
      syncing = false;
    }
  };
  const kick = () => {
    if (!stopped) void sync().catch(() => undefined);
  };

  const syncOnce = async () => {
    const pods = informer.list();
    const seen = new Set<string>();
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      seen.add(uid);
      try {
        if (!pod.spec?.nodeName) {
          if (!pod.metadata?.deletionTimestamp) await bind(pod);
          continue;
        }
        if (pod.spec.nodeName !== nodeName) continue;
        let run = runs.get(uid);
        if (pod.metadata?.deletionTimestamp) {
          if (!run) {
            run = newRun(pod, uid, key);
            runs.set(uid, run);
          }
          run.pod = pod;
          if (!run.terminating) void terminate(run).catch(() => undefined);
          continue;
        }
        if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
        if (!run) {
          run = newRun(pod, uid, key);
          runs.set(uid, run);
        }
        run.pod = pod;
        if (!run.child && !run.terminating && Date.now() >= run.nextStartAtMs) {
          try {
            if (run.lastExit) run.restartCount++;
            await startContainer(run);
            run.message = undefined;
          } catch (err) {
            if (run.lastExit) run.restartCount--;
            run.message = (err as Error).message;
            run.nextStartAtMs = Date.now() + (err instanceof VolumeNotReady ? 500 : 2000);
          }
        }
        void probe(run).catch(() => undefined);
        await reportStatus(run);
      } catch {
        // A conflict or a transient API error: the next pass tries again.
      }
    }
    // Pods removed without a graceful deletion (force-deleted): stop what they ran.
    for (const run of runs.values()) {
      if (!seen.has(run.uid) && !run.terminating) {
        if (run.child) signalGroup(run.child, 'SIGKILL');
        runs.delete(run.uid);
      }
    }
    writeHosts();
  };

  const newRun = (pod: V1Pod, uid: string, key: string): PodRun => {
    const ip = addressFor(key);
    const dir = join(rootDir, 'pods', `${pod.metadata?.namespace}_${pod.metadata?.name}_${uid}`);
    mkdirSync(dir, { recursive: true });
    const container = pod.spec?.containers[0];
    return {
      uid,
      key,
      pod,
      ip,
      dir,
      hostsFile: join(dir, 'hosts'),
      env: container ? containerEnv(pod, container, ip) : {},
      restartCount: 0,
      nextStartAtMs: 0,
      ready: false,
      readySince: new Date(),
      probeSuccesses: 0,
      probeFailures: 0,
      nextProbeAtMs: 0,
      probing: false,
      terminating: false,
      reported: '',
    };
  };

  const ticker = setInterval(kick, 500);
  kick();

  const findRun = (namespace: string, name: string) =>
    [...runs.values()].find((r) => r.key === `${namespace}/${name}` && !r.terminating) ??
    [...runs.values()].find((r) => r.key === `${namespace}/${name}`);

  const podLog = (namespace: string, name: string) => {
    const run = findRun(namespace, name);
    const file = run ? join(run.dir, 'container.log') : '';
    return run && existsSync(file) ? readFileSync(file, 'utf8') : '';
  };

  return {
    nodeName,
    rootDir,
    podIp: (namespace, name) => ipByName.get(`${namespace}/${name}`),
    podLog,
    logs: () =>
      [...runs.values()]
        .map(
          (r) =>
            `----- pod ${r.key} -----\n${podLog(
              r.key.split('/')[0] ?? '',
              r.key.split('/')[1] ?? '',
            )
              .split('\n')
              .slice(-30)
              .join('\n')}`,
        )
        .join('\n'),
    stop: async () => {
      stopped = true;
      clearInterval(ticker);
      await informer.stop();
      const exits: Promise<void>[] = [];
      for (const run of runs.values()) {
        const child = run.child;
        if (!child) continue;
        exits.push(
          new Promise<void>((r) =>
            child.exitCode !== null || child.signalCode !== null
              ? r()
              : child.once('exit', () => r()),
          ),
        );
        signalGroup(child, 'SIGKILL');
      }
      await Promise.all(exits);
      process.off('exit', killAllNow);
      // Deepest first, and only what is still empty: nothing of the host's is removed.
      for (const p of [...madeMountPoints].sort((a, b) => b.length - a.length)) {
        try {
          if (statSync(p).isDirectory()) rmdirSync(p);
          else if (statSync(p).size === 0) unlinkSync(p);
        } catch {
          // not empty or already gone
        }
      }
      if (ownRoot) rmSync(rootDir, { recursive: true, force: true });
    },
  };
}

async function registerNode(
  core: CoreV1Api,
  nodeName: string,
  mergePatch: ReturnType<typeof setHeaderOptions>,
) {
  try {
    await core.createNode({
      body: { metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } } },
    });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const resources = { cpu: '2', memory: '24Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  await core.patchNodeStatus(
    {
      name: nodeName,
      body: {
        status: {
          capacity: resources,
          allocatable: resources,
          addresses: [
            { type: 'InternalIP', address: '127.0.0.1' },
            { type: 'Hostname', address: nodeName },
          ],
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'zkts test kubelet',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      },
    },
    mergePatch,
  );
}
