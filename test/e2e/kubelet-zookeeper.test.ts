/**
 * A real replicated ZooKeeper (Apache ZooKeeper 3.8 from Debian, not zkts) as a StatefulSet on
 * the loopback control plane and the test kubelet: the members find each other through the
 * headless Service's DNS names at their 127.0.0.X addresses, elect one leader, take writes
 * through every member, and a deleted member is recreated and rejoins with its data. This is
 * the pod plumbing the operator scenario (ensemble.e2e.test.ts) relies on, shown with a server
 * whose quorum already works.
 */
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFourLetterWord } from '../../src/cli/server-control-fourlw.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { startTestKubelet, type TestKubelet } from './kubelet/kubelet.js';
import { waitFor } from './wait.js';
import { connectZk } from './zk-client.js';

const ns = 'apache-zk';
const members = 3;
const dataDir = '/var/lib/zkts-e2e/zookeeper';
const jars = [
  '/etc/zkts-e2e/zookeeper', // log4j.properties from the ConfigMap
  '/usr/share/java/zookeeper.jar',
  '/usr/share/java/log4j-1.2.jar',
  '/usr/share/java/slf4j-log4j12.jar',
  '/usr/share/java/slf4j-api.jar',
  '/usr/share/java/metrics-core.jar',
];

let cp: ControlPlane;
let kubelet: TestKubelet;
let core: CoreV1Api;
let apps: AppsV1Api;

const memberName = (i: number) => `zk-${i}.zk-headless.${ns}.svc.cluster.local`;

// Each server's client address is its own name, so three servers can share port 2181.
const zooCfg = [
  'tickTime=500',
  'initLimit=20',
  'syncLimit=10',
  `dataDir=${dataDir}`,
  '4lw.commands.whitelist=*',
  'admin.enableServer=false',
  ...Array.from(
    { length: members },
    (_, i) => `server.${i + 1}=${memberName(i)}:2888:3888;${memberName(i)}:2181`,
  ),
  '',
].join('\n');

// Ready when the member serves as leader or follower: srvr says so only within a quorum.
const srvrProbe = [
  "const s = require('net').connect(2181, 'localhost');",
  "let out = '';",
  "s.on('data', (c) => (out += c));",
  "s.on('end', () => process.exit(/Mode: (leader|follower)/.test(out) ? 0 : 1));",
  "s.on('error', () => process.exit(1));",
  "s.write('srvr');",
].join(' ');

beforeAll(async () => {
  cp = await startControlPlane();
  kubelet = await startTestKubelet({
    kubeconfigPath: cp.kubeconfigPath,
    entrypoints: {
      images: {
        'e2e/apache-zookeeper': [
          'java',
          '-Xmx192m',
          '-cp',
          jars.join(':'),
          'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        ],
      },
    },
  });
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});

afterAll(async () => {
  await kubelet?.stop();
  await cp?.stop();
});

const isReady = (pod: V1Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function allReady(): Promise<string[]> {
  const ips: string[] = [];
  await waitFor(
    `${members} ZooKeeper members Ready`,
    async () => {
      ips.length = 0;
      for (let i = 0; i < members; i++) {
        const pod = await core.readNamespacedPod({ name: `zk-${i}`, namespace: ns });
        if (!isReady(pod)) return false;
        ips.push(pod.status?.podIP ?? '');
      }
      return true;
    },
    180_000,
    500,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${kubelet.logs()}`);
  });
  return ips;
}

async function modes(ips: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const ip of ips) {
    const srvr = await sendFourLetterWord(ip, 2181, 'srvr', 5_000);
    out.push(/Mode: (\w+)/.exec(srvr)?.[1] ?? 'none');
  }
  return out;
}

/** A follower applies a commit a moment after the leader acknowledged it: poll briefly. */
async function readThrough(ip: string, path: string): Promise<string> {
  const zk = await connectZk(`${ip}:2181`);
  try {
    let value = '';
    await waitFor(
      `${path} via ${ip}`,
      async () => {
        value = await zk.get(path);
        return true;
      },
      10_000,
    );
    return value;
  } finally {
    zk.close();
  }
}

describe('Apache ZooKeeper ensemble on the test kubelet', () => {
  let ips: string[] = [];

  it('forms a quorum with one leader across three pods', async () => {
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: { name: 'zk-config' },
        data: {
          'zoo.cfg': zooCfg,
          'log4j.properties': [
            'log4j.rootLogger=INFO, CONSOLE',
            'log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender',
            'log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout',
            'log4j.appender.CONSOLE.layout.ConversionPattern=%d %p [%t] %c{1} - %m%n',
            '',
          ].join('\n'),
        },
      },
    });
    await core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'zk-headless' },
        spec: {
          clusterIP: 'None',
          publishNotReadyAddresses: true,
          selector: { app: 'zk' },
          ports: [
            { name: 'client', port: 2181 },
            { name: 'quorum', port: 2888 },
            { name: 'election', port: 3888 },
          ],
        },
      },
    });
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        metadata: { name: 'zk' },
        spec: {
          replicas: members,
          serviceName: 'zk-headless',
          podManagementPolicy: 'Parallel',
          updateStrategy: { type: 'OnDelete' },
          selector: { matchLabels: { app: 'zk' } },
          template: {
            metadata: { labels: { app: 'zk' } },
            spec: {
              terminationGracePeriodSeconds: 10,
              initContainers: [
                {
                  name: 'myid',
                  image: 'busybox',
                  command: ['sh', '-c', `echo $((\${POD_NAME##*-} + 1)) > ${dataDir}/myid`],
                  env: [
                    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  ],
                  volumeMounts: [{ name: 'data', mountPath: dataDir }],
                },
              ],
              containers: [
                {
                  name: 'zookeeper',
                  image: 'e2e/apache-zookeeper:3.8',
                  args: ['/etc/zkts-e2e/zookeeper/zoo.cfg'],
                  ports: [
                    { name: 'client', containerPort: 2181 },
                    { name: 'quorum', containerPort: 2888 },
                    { name: 'election', containerPort: 3888 },
                  ],
                  readinessProbe: {
                    exec: { command: ['node', '-e', srvrProbe] },
                    periodSeconds: 1,
                    failureThreshold: 1,
                  },
                  volumeMounts: [
                    { name: 'data', mountPath: dataDir },
                    { name: 'config', mountPath: '/etc/zkts-e2e/zookeeper', readOnly: true },
                  ],
                },
              ],
              volumes: [{ name: 'config', configMap: { name: 'zk-config' } }],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
            },
          ],
        },
      },
    });

    ips = await allReady();
    expect(new Set(ips).size).toBe(members);
    const m = await modes(ips);
    expect(m.filter((x) => x === 'leader')).toHaveLength(1);
    expect(m.filter((x) => x === 'follower')).toHaveLength(members - 1);
  });

  it('takes a write through every member and serves all of them from every member', async () => {
    for (const [i, ip] of ips.entries()) {
      const zk = await connectZk(`${ip}:2181`);
      try {
        await zk.create(`/via-${i}`, `written through zk-${i}`);
      } finally {
        zk.close();
      }
    }
    for (const ip of ips) {
      for (let i = 0; i < members; i++)
        expect(await readThrough(ip, `/via-${i}`)).toBe(`written through zk-${i}`);
    }
  });

  it('recreates a deleted member, which rejoins the quorum with its data', async () => {
    const before = await core.readNamespacedPod({ name: 'zk-1', namespace: ns });
    await core.deleteNamespacedPod({ name: 'zk-1', namespace: ns });
    await waitFor('zk-1 replaced', async () => {
      const pod = await core.readNamespacedPod({ name: 'zk-1', namespace: ns });
      return pod.metadata?.uid !== before.metadata?.uid;
    });
    const after = await allReady();
    expect(after).toEqual(ips);
    const m = await modes(after);
    expect(m.filter((x) => x === 'leader')).toHaveLength(1);
    for (let i = 0; i < members; i++)
      expect(await readThrough(after[1] ?? '', `/via-${i}`)).toBe(`written through zk-${i}`);
  });
});
