import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  formatDynamicConfigFile,
  formatQuorumConfig,
  formatServerLine,
  javaHostString,
  parseDynamicConfig,
  parseZooCfg,
  versionFromFileName,
} from './config.js';

const seed = `tickTime=2000
dataDir=/var/lib/zookeeper
clientPort=2181
initLimit=5
syncLimit=2
server.1=zkserver1.mybiz.com:2888:3888
server.2=zkserver2.mybiz.com:2888:3888
server.3=zkserver3.mybiz.com:2888:3888
`;

function errorOf(text: string, file = 'zoo.cfg'): ConfigError {
  try {
    parseZooCfg(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`no ConfigError for:\n${text}`);
}

describe('parseZooCfg: the seed config', () => {
  it('parses verbatim into a three-member ensemble with no warnings', () => {
    const { config, warnings } = parseZooCfg(seed, 'zoo.cfg');
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      tickTimeMs: 2000,
      dataDir: '/var/lib/zookeeper',
      dataLogDir: '/var/lib/zookeeper',
      clientPort: 2181,
      clientPortAddress: undefined,
      initLimit: 5,
      syncLimit: 2,
      distributed: true,
      minSessionTimeoutMs: 4000,
      maxSessionTimeoutMs: 40000,
      maxClientCnxns: 60,
      fourLetterWhitelist: new Set(['srvr']),
      admin: { enabled: true, serverAddress: '0.0.0.0', serverPort: 8080, commandUrl: '/commands' },
      metrics: { providerClassName: undefined, httpHost: '0.0.0.0', httpPort: 7000 },
      juteMaxBufferBytes: 0xfffff,
      autopurge: { snapRetainCount: 3, purgeIntervalHours: 0 },
      forceSync: true,
      reconfigEnabled: false,
      standaloneEnabled: true,
      peerType: 'participant',
    });
    expect(config.servers).toEqual(
      [1, 2, 3].map((id) => ({
        id,
        addresses: [{ host: `zkserver${id}.mybiz.com`, quorumPort: 2888, electionPort: 3888 }],
        role: 'participant',
        clientAddress: undefined,
      })),
    );
    expect(config.properties.get('server.2')).toBe('zkserver2.mybiz.com:2888:3888');
  });

  it('uses the code defaults when only dataDir is given (standalone)', () => {
    const { config, warnings } = parseZooCfg('dataDir=/d\n', 'zoo.cfg');
    expect(warnings).toEqual([]);
    expect(config.tickTimeMs).toBe(3000);
    expect(config.minSessionTimeoutMs).toBe(6000);
    expect(config.maxSessionTimeoutMs).toBe(60000);
    expect(config.clientPort).toBeUndefined();
    expect(config.distributed).toBe(false);
    expect(config.servers).toEqual([]);
    expect(config.preAllocSizeBytes).toBe(64 * 1024 * 1024);
  });
});

describe('parseZooCfg: Java Properties syntax', () => {
  it('accepts = : and blank separators, comments, blank lines, trimming and continuations', () => {
    const text = [
      '# comment',
      '! another comment',
      '',
      '   tickTime   =   2500   ',
      'dataDir : /data/zk',
      'clientPort 2182',
      'dataLogDir=/data/\\',
      '     log',
      '4lw.commands.whitelist = srvr, ruok ,\\',
      '   mntr',
      'admin.serverAddress=127.0.0.1\\u0020\t',
    ].join('\r\n');
    const { config, warnings } = parseZooCfg(text, 'zoo.cfg');
    expect(warnings).toEqual([]);
    expect(config.tickTimeMs).toBe(2500);
    expect(config.dataDir).toBe('/data/zk');
    expect(config.clientPort).toBe(2182);
    expect(config.dataLogDir).toBe('/data/log');
    expect(config.fourLetterWhitelist).toEqual(new Set(['srvr', 'ruok', 'mntr']));
    expect(config.admin.serverAddress).toBe('127.0.0.1');
  });

  it('warns about unknown, unsupported and repeated keys, never failing on them', () => {
    const { config, warnings } = parseZooCfg(
      'dataDir=/d\nfoo.bar=1\nsecureClientPort=2281\ntickTime=2000\ntickTime=1000\n',
      'conf/zoo.cfg',
    );
    expect(config.tickTimeMs).toBe(1000);
    expect(warnings).toEqual([
      'conf/zoo.cfg:5: tickTime is set again (line 4); the last value wins',
      'conf/zoo.cfg:2: foo.bar: unknown key; ignored',
      'conf/zoo.cfg:3: secureClientPort: not supported by zkts; ignored',
    ]);
  });

  it('reads every documented key', () => {
    const text = `
dataDir=/d
dataLogDir=/l
clientPort=0
clientPortAddress=127.0.0.1
maxClientCnxns=0
minSessionTimeout=1000
maxSessionTimeout=90000
4lw.commands.whitelist=*
admin.enableServer=false
admin.serverAddress=127.0.0.2
admin.serverPort=9090
metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
metricsProvider.httpPort=7001
metricsProvider.httpHost=127.0.0.3
jute.maxbuffer=4194304
autopurge.snapRetainCount=5
autopurge.purgeInterval=24
snapCount=5000
preAllocSize=1024
forceSync=no
zookeeper.extendedTypesEnabled=true
reconfigEnabled=true
standaloneEnabled=false
electionPortBindRetry=0
quorumListenOnAllIPs=TRUE
authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider
zookeeper.DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=
localSessionsEnabled=true
globalOutstandingLimit=5000
peerType=Observer
syncEnabled=false
`;
    const { config, warnings } = parseZooCfg(text, 'zoo.cfg');
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      dataLogDir: '/l',
      clientPort: 0,
      clientPortAddress: '127.0.0.1',
      maxClientCnxns: 0,
      minSessionTimeoutMs: 1000,
      maxSessionTimeoutMs: 90000,
      fourLetterWhitelist: '*',
      admin: { enabled: false, serverAddress: '127.0.0.2', serverPort: 9090 },
      metrics: {
        providerClassName: 'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
        httpHost: '127.0.0.3',
        httpPort: 7001,
      },
      juteMaxBufferBytes: 4194304,
      autopurge: { snapRetainCount: 5, purgeIntervalHours: 24 },
      snapCount: 5000,
      preAllocSizeBytes: 1024 * 1024,
      forceSync: false,
      extendedTypesEnabled: true,
      reconfigEnabled: true,
      standaloneEnabled: false,
      electionPortBindRetry: 0,
      quorumListenOnAllIPs: true,
      superDigest: 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=',
      localSessionsEnabled: true,
      globalOutstandingLimit: 5000,
      peerType: 'observer',
      syncEnabled: false,
    });
    expect(config.authProviders).toEqual(
      new Map([['1', 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider']]),
    );
  });

  it('raises a low snapRetainCount to 3 with a warning, as Apache does', () => {
    const { config, warnings } = parseZooCfg('dataDir=/d\nautopurge.snapRetainCount=1\n', 'z');
    expect(config.autopurge.snapRetainCount).toBe(3);
    expect(warnings).toEqual(['z:2: autopurge.snapRetainCount: 1 is below the minimum; using 3']);
  });

  it('warns about 4lw words it does not know and drops them', () => {
    const { config, warnings } = parseZooCfg('dataDir=/d\n4lw.commands.whitelist=ruok,nope\n', 'z');
    expect(config.fourLetterWhitelist).toEqual(new Set(['ruok']));
    expect(warnings).toEqual(['z:2: 4lw.commands.whitelist: unknown command "nope" ignored']);
  });
});

describe('parseZooCfg: server.N', () => {
  // Canonical lines as Apache 3.8's QuorumServer.toString printed them for the same input.
  it('reads roles, client addresses and IPv6 hosts', () => {
    const text = `dataDir=/d
initLimit=5
syncLimit=2
server.1=zk1:2888:3888
server.2=zk2:2888:3888:observer;2181
server.3=[fe80::1]:2888:3888:PARTICIPANT;10.0.0.3:2181
server.4=zk4:2888:3888;[::1]:2182
`;
    const { config } = parseZooCfg(text, 'zoo.cfg');
    expect(config.servers.map(formatServerLine)).toEqual([
      'server.1=zk1:2888:3888:participant',
      'server.2=zk2:2888:3888:observer;0.0.0.0:2181',
      'server.3=[fe80:0:0:0:0:0:0:1]:2888:3888:participant;10.0.0.3:2181',
      'server.4=zk4:2888:3888:participant;[0:0:0:0:0:0:0:1]:2182',
    ]);
    // Parsed hosts stay as written; only the canonical text uses Java's IPv6 form.
    expect(config.servers[2]!.addresses[0]!.host).toBe('fe80::1');
    expect(config.distributed).toBe(true);
  });

  it('reads several addresses only with multiAddress.enabled, and writes them sorted', () => {
    const text =
      'dataDir=/d\ninitLimit=5\nsyncLimit=2\nmultiAddress.enabled=true\n' +
      'server.1=zk1-b:2889:3889|zk1-a:2888:3888;2181\nserver.2=zk2:2888:3888\n';
    const { config } = parseZooCfg(text, 'zoo.cfg');
    expect(formatServerLine(config.servers[0]!)).toBe(
      'server.1=zk1-a:2888:3888|zk1-b:2889:3889:participant;0.0.0.0:2181',
    );
  });

  it('one participant with standaloneEnabled runs standalone, with a warning', () => {
    const { config, warnings } = parseZooCfg('dataDir=/d\nserver.1=zk1:2888:3888\n', 'zoo.cfg');
    expect(config.distributed).toBe(false);
    expect(warnings).toEqual([
      'zoo.cfg:2: only one participant: running standalone (the server.N lines are ignored)',
    ]);
  });
});

describe('parseZooCfg: invalid configs name file, line and key', () => {
  const cases: Array<[string, string, string]> = [
    [
      'dataDir=/d\nclientPort=2181\ninitLimit=5\ntickTime=abc\n',
      'tickTime',
      'zoo.cfg:4: tickTime: expected a positive integer, got "abc"',
    ],
    [
      'dataDir=/d\ntickTime=0\n',
      'tickTime',
      'zoo.cfg:2: tickTime: expected a positive integer, got "0"',
    ],
    [
      'dataDir=/d\ntickTime=2000ms\n',
      'tickTime',
      'zoo.cfg:2: tickTime: expected a positive integer, got "2000ms"',
    ],
    [
      'dataDir=/d\ntickTime=1.5\n',
      'tickTime',
      'zoo.cfg:2: tickTime: expected a positive integer, got "1.5"',
    ],
    [
      'dataDir=/d\ntickTime=99999999999\n',
      'tickTime',
      'zoo.cfg:2: tickTime: expected a positive integer, got "99999999999"',
    ],
    [
      'dataDir=/d\nclientPort=70000\n',
      'clientPort',
      'zoo.cfg:2: clientPort: expected a port number 0..65535, got "70000"',
    ],
    [
      'dataDir=/d\nclientPort=\n',
      'clientPort',
      'zoo.cfg:2: clientPort: expected a port number 0..65535, got ""',
    ],
    ['clientPort=2181\n', 'dataDir', 'zoo.cfg: dataDir: is not set'],
    ['dataDir=\n', 'dataDir', 'zoo.cfg:1: dataDir: expected a value, got nothing'],
    [
      'dataDir=/d\nclientPortAddress=127.0.0.1\n',
      'clientPortAddress',
      'zoo.cfg:2: clientPortAddress: is set but clientPort is not',
    ],
    [
      'dataDir=/d\nminSessionTimeout=70000\n',
      'minSessionTimeout',
      'zoo.cfg:2: minSessionTimeout: minSessionTimeout (70000) must not be larger than maxSessionTimeout (60000)',
    ],
    [
      'dataDir=/d\nmaxSessionTimeout=1000\n',
      'maxSessionTimeout',
      'zoo.cfg:2: maxSessionTimeout: minSessionTimeout (6000) must not be larger than maxSessionTimeout (1000)',
    ],
    [
      'dataDir=/d\nmaxClientCnxns=-1\n',
      'maxClientCnxns',
      'zoo.cfg:2: maxClientCnxns: expected a non-negative integer, got "-1"',
    ],
    [
      'dataDir=/d\nreconfigEnabled=yes\n',
      'reconfigEnabled',
      'zoo.cfg:2: reconfigEnabled: expected true or false, got "yes"',
    ],
    [
      'dataDir=/d\nforceSync=false\n',
      'forceSync',
      'zoo.cfg:2: forceSync: expected yes or no, got "false"',
    ],
    [
      'dataDir=/d\nadmin.serverPort=http\n',
      'admin.serverPort',
      'zoo.cfg:2: admin.serverPort: expected a port number 0..65535, got "http"',
    ],
    [
      'dataDir=/d\npeerType=leader\n',
      'peerType',
      'zoo.cfg:2: peerType: expected participant or observer, got "leader"',
    ],
    [
      'dataDir=/d\njute.maxbuffer=0x100000\n',
      'jute.maxbuffer',
      'zoo.cfg:2: jute.maxbuffer: expected a positive integer, got "0x100000"',
    ],
    [
      'dataDir=/d\nserver.1=zk1:2888\n',
      'server.1',
      'zoo.cfg:2: server.1: expected host:quorumPort:electionPort[:participant|:observer], got "zk1:2888" in "zk1:2888"',
    ],
    [
      'dataDir=/d\nserver.1=zk1:2888:2888\n',
      'server.1',
      'zoo.cfg:2: server.1: quorum and election ports must differ in "zk1:2888:2888"',
    ],
    [
      'dataDir=/d\nserver.1=zk1:2888:3888:leader\n',
      'server.1',
      'zoo.cfg:2: server.1: role must be participant or observer, got "leader" in "zk1:2888:3888:leader"',
    ],
    [
      'dataDir=/d\nserver.1=zk1:x:3888\n',
      'server.1',
      'zoo.cfg:2: server.1: quorum port must be 0..65535, got "x" in "zk1:x:3888"',
    ],
    [
      'dataDir=/d\nserver.1=zk1:2888:3888;a:b:c\n',
      'server.1',
      'zoo.cfg:2: server.1: bad client address "a:b:c" in "zk1:2888:3888;a:b:c"',
    ],
    [
      'dataDir=/d\nserver.1=zk1:2888:3888;2181;2281\n',
      'server.1',
      'zoo.cfg:2: server.1: expected host:quorumPort:electionPort[:role][;[clientHost:]clientPort] (one ";" at most; secure client ports are not supported) in "zk1:2888:3888;2181;2281"',
    ],
    [
      'dataDir=/d\nserver.1=[fe80::1:2888:3888\n',
      'server.1',
      'zoo.cfg:2: server.1: expected host:quorumPort:electionPort[:participant|:observer], got "[fe80::1:2888:3888" in "[fe80::1:2888:3888"',
    ],
    [
      'dataDir=/d\nserver.1=a:1:2|b:1:2\n',
      'server.1',
      'zoo.cfg:2: server.1: several "|"-separated addresses need multiAddress.enabled=true in "a:1:2|b:1:2"',
    ],
    [
      'dataDir=/d\nserver.x=zk1:2888:3888\n',
      'server.x',
      'zoo.cfg:2: server.x: server id must be an integer 0..255 (it is the top byte of session ids), got "x"',
    ],
    [
      'dataDir=/d\nserver.256=zk1:2888:3888\n',
      'server.256',
      'zoo.cfg:2: server.256: server id must be an integer 0..255 (it is the top byte of session ids), got "256"',
    ],
    [
      'dataDir=/d\nserver.1=a:1:2\nserver.01=b:1:2\n',
      'server.01',
      'zoo.cfg:3: server.01: server id 1 is already given by server.1',
    ],
    [
      'dataDir=/d\nserver.1=a:1:2:observer\n',
      'server.1',
      'zoo.cfg:2: server.1: observers without participants are not a valid ensemble',
    ],
    [
      'dataDir=/d\nsyncLimit=2\nserver.1=a:1:2\nserver.2=b:1:2\n',
      'initLimit',
      'zoo.cfg: initLimit: is not set (an ensemble needs it)',
    ],
    [
      'dataDir=/d\ninitLimit=2\nserver.1=a:1:2\nserver.2=b:1:2\n',
      'syncLimit',
      'zoo.cfg: syncLimit: is not set (an ensemble needs it)',
    ],
    [
      'dataDir=/d\ndynamicConfigFile=/c/zoo.cfg.dynamic.1\nserver.1=a:1:2\n',
      'server.1',
      'zoo.cfg:3: server.1: must be in the dynamic config file when dynamicConfigFile is set',
    ],
    [
      'dataDir=/d\ngroup.1=1:2:3\n',
      'group.1',
      'zoo.cfg:2: group.1: hierarchical quorums (group./weight.) are not supported',
    ],
    [
      'dataDir=/d\nadmin.serverAddress=\\u12\n',
      'admin.serverAddress',
      'zoo.cfg:2: admin.serverAddress: malformed \\uxxxx escape "\\u12"',
    ],
    [
      'dataDir=/d\nDigestAuthenticationProvider.superDigest=nocolon\n',
      'DigestAuthenticationProvider.superDigest',
      'zoo.cfg:2: DigestAuthenticationProvider.superDigest: expected user:base64digest',
    ],
  ];
  it.each(cases)('%j → %s', (text, key, message) => {
    const err = errorOf(text);
    expect(err.message).toBe(message);
    expect(err.key).toBe(key);
    expect(err.file).toBe('zoo.cfg');
    const line = /^zoo\.cfg:(\d+):/.exec(message)?.[1];
    expect(err.line).toBe(line === undefined ? undefined : Number(line));
  });
});

describe('javaHostString', () => {
  // Expected values printed by Java 17's InetSocketAddress.getHostString.
  it('prints IPv6 literals as Java does and leaves names and IPv4 alone', () => {
    expect(javaHostString('zk1.example.com')).toBe('zk1.example.com');
    expect(javaHostString('10.0.0.1')).toBe('10.0.0.1');
    expect(javaHostString('::1')).toBe('0:0:0:0:0:0:0:1');
    expect(javaHostString('::')).toBe('0:0:0:0:0:0:0:0');
    expect(javaHostString('FE80::0A:1%eth0')).toBe('fe80:0:0:0:0:0:a:1%eth0');
    expect(javaHostString('2001:db8:0:0:1:0:0:1')).toBe('2001:db8:0:0:1:0:0:1');
    expect(javaHostString('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(javaHostString('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0:0:0:c000:221');
    expect(javaHostString('1::2::3')).toBe('1::2::3');
    expect(javaHostString('1:2:3:4:5:6:7:8:9')).toBe('1:2:3:4:5:6:7:8:9');
  });
});

describe('dynamic config', () => {
  const servers = parseZooCfg(
    'dataDir=/d\ninitLimit=5\nsyncLimit=2\nserver.1=zk1:2888:3888;2181\nserver.2=zk2:2888:3888\nserver.10=zk10:2888:3888:observer\n',
    'zoo.cfg',
  ).config.servers;

  it('formats /zookeeper/config in id order with the hex version last', () => {
    expect(formatQuorumConfig(servers, 0x100000000n)).toBe(
      'server.1=zk1:2888:3888:participant;0.0.0.0:2181\n' +
        'server.2=zk2:2888:3888:participant\n' +
        'server.10=zk10:2888:3888:observer\n' +
        'version=100000000',
    );
  });

  it('formats dynamic files with string-sorted lines, version only for .next', () => {
    // Java sorts whole "key=value" strings: '0' < '=' puts server.10 before server.1.
    expect(formatDynamicConfigFile(servers, 5n, false)).toBe(
      'server.10=zk10:2888:3888:observer\n' +
        'server.1=zk1:2888:3888:participant;0.0.0.0:2181\n' +
        'server.2=zk2:2888:3888:participant',
    );
    expect(formatDynamicConfigFile(servers, 5n, true).split('\n').at(-1)).toBe('version=5');
  });

  it('takes the version from the file name suffix', () => {
    expect(versionFromFileName('/conf/zoo.cfg.dynamic.100000000')).toBe(0x100000000n);
    expect(versionFromFileName('/conf/zoo.cfg.dynamic')).toBeUndefined();
    expect(versionFromFileName('zoo')).toBeUndefined();
    const text = formatDynamicConfigFile(servers, 0x100000000n, false);
    const parsed = parseDynamicConfig(text, '/conf/zoo.cfg.dynamic.100000000');
    expect(parsed.version).toBe(0x100000000n);
    expect(parsed.servers).toEqual(servers);
    expect(parseDynamicConfig(text, 'zoo.cfg.dynamic').version).toBe(0n);
  });

  it('reads a version line from .next files and /zookeeper/config data, not from dynamic files', () => {
    const next = formatDynamicConfigFile(servers, 0x200000003n, true);
    expect(parseDynamicConfig(next, 'zoo.cfg.dynamic.next').version).toBe(0x200000003n);
    const data = formatQuorumConfig(servers, 0x7n);
    expect(parseDynamicConfig(data, '/zookeeper/config', { allowVersionLine: true })).toEqual({
      servers,
      version: 7n,
    });
    expect(() => parseDynamicConfig(next, 'zoo.cfg.dynamic.100000000')).toThrow(
      "zoo.cfg.dynamic.100000000:4: version: a dynamic config file must not hold a version (its name's suffix is the version)",
    );
  });

  it('rejects other keys and bad lines with file, line and key', () => {
    expect(() => parseDynamicConfig('server.1=a:1:2\ntickTime=1\n', 'zoo.cfg.dynamic.1')).toThrow(
      'zoo.cfg.dynamic.1:2: tickTime: only server.N (and version) belong in a dynamic config',
    );
    expect(() => parseDynamicConfig('server.1=a:1\n', 'd.1')).toThrow(ConfigError);
    expect(() => parseDynamicConfig('version=xyz\n', 'zoo.cfg.dynamic.next')).toThrow(
      'zoo.cfg.dynamic.next:1: version: expected a hex version, got "xyz"',
    );
  });
});
