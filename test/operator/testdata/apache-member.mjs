// Stands in for the zkts image's `zkts server --config <file>` with Apache ZooKeeper 3.8, for
// pods run by the test kubelet, where all pods share the host's network: every address the
// server binds (client, admin) is the pod's own name instead of all interfaces. The rest of
// the operator's zoo.cfg is used as written. Reconfig needs a super user in Apache; ACLs are
// skipped here instead.
import { spawn } from 'node:child_process';
import process from 'node:process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const configPath = args[args.indexOf('--config') + 1];
if (args[0] !== 'server' || !configPath) {
  process.stderr.write(`usage: server --config <zoo.cfg>, got ${args.join(' ')}` + '\n');
  process.exit(2);
}
const lines = readFileSync(configPath, 'utf8').split('\n');
const dataDir = lines.find((l) => l.startsWith('dataDir='))?.slice('dataDir='.length) ?? '/data';
const me = hostname();
let ownHost;
const out = [];
for (const line of lines) {
  const server = /^(server\.\d+)=([^:]+):(\d+):(\d+);(\d+)$/.exec(line);
  if (server) {
    const [, key, host, quorum, election, client] = server;
    if (host.startsWith(`${me}.`)) ownHost = host;
    out.push(`${key}=${host}:${quorum}:${election};${host}:${client}`);
  } else if (/^(clientPort|quorumListenOnAllIPs|metricsProvider\.[^=]*)=/.test(line)) {
    // bound through the server lines / not on the classpath
  } else out.push(line);
}
if (!ownHost) {
  process.stderr.write(`no server line for ${me} in ${configPath}` + '\n');
  process.exit(2);
}
out.push(`admin.serverAddress=${ownHost}`, 'skipACL=yes', '');
// Beside the operator's zoo.cfg (which a restart of this container reads again), not over it.
const cfg = join(dataDir, 'apache-zoo.cfg');
writeFileSync(cfg, out.join('\n'));

const java = '/usr/share/java';
const jars = [
  'zookeeper',
  'log4j-1.2',
  'slf4j-log4j12',
  'slf4j-api',
  'metrics-core',
  'jetty9-server',
  'jetty9-servlet',
  'jetty9-http',
  'jetty9-io',
  'jetty9-util',
  'jetty9-security',
  'servlet-api',
  'jackson-core',
  'jackson-databind',
  'jackson-annotations',
  'commons-cli',
].map((j) => `${java}/${j}.jar`);
const child = spawn(
  'java',
  ['-Xmx128m', '-cp', jars.join(':'), 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfg],
  {
    stdio: 'inherit',
  },
);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
