/**
 * Issue 4 acceptance: dynamic reconfiguration while clients write. Grow 3 → 5 (members 4 and 5
 * start with the current ensemble plus themselves, sync as non-voting followers, then a super
 * user adds them), then shrink 5 → 3 (first the leader leaves: it steps down and a designated
 * leader takes over; then member 4). After every step /zookeeper/config on every member holds
 * the new config, versioned by the reconfig's zxid, and the `conf` 4lw lists it (the last step
 * is a non-incremental reconfig naming the new members); a member restarted afterwards comes
 * back with the committed config (zoo.cfg.dynamic.<version>); at the end no
 * acknowledged write is missing on any remaining member. Apache's procedure: reconfigEnabled,
 * a super digest, standaloneEnabled=false (zookeeperReconfig.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/node/proto/errors.js';
import { digestAuthId } from '../../src/node/tree/acl.js';
import { startEnsemble, type Ensemble, type EnsembleMember } from '../support/ensemble.js';
import {
  childrenAfterSync,
  closeAll,
  connectWhenServing,
  createNode,
  errName,
  ok,
  waitUntil,
  ZkClient,
} from '../support/ensemble-client.js';
import { SequentialWriter } from '../support/sequential-writer.js';

const SUPER = 'super:reconfig-test';
let e: Ensemble;
let admin: ZkClient | undefined;
const writers: SequentialWriter[] = [];
const writerClients: ZkClient[] = [];

function serverLine(m: EnsembleMember): string {
  return `server.${m.sid}=${m.host}:2888:3888:participant;${m.host}:${m.clientPort}`;
}

interface ConfigSeen {
  ids: number[];
  version: string;
  text: string;
  /** /zookeeper/config's data version and mzxid (hex), when read from the node. */
  stat?: { version: number; mzxid: string };
}

function parseConfig(text: string): ConfigSeen {
  const ids = [...text.matchAll(/^server\.(\d+)=/gm)].map((m) => Number(m[1]));
  return { ids, version: /^version=([0-9a-f]+)$/m.exec(text)?.[1] ?? '', text };
}

/** What `zkCli config` shows on this member once it has caught up. */
async function configOn(m: EnsembleMember): Promise<ConfigSeen> {
  const c = await connectWhenServing(m);
  try {
    ok(await c.sync('/zookeeper/config'), 'sync');
    const r = ok(await c.getData('/zookeeper/config'), 'getData /zookeeper/config');
    if (r.response?.kind !== 'getData') throw new Error('no getData body');
    const { version, mzxid } = r.response.stat;
    return {
      ...parseConfig(r.response.data?.toString('utf8') ?? ''),
      stat: { version, mzxid: mzxid.toString(16) },
    };
  } finally {
    await closeAll(c);
  }
}

/** The `conf` 4lw's membership block. */
async function membershipOn(m: EnsembleMember): Promise<ConfigSeen> {
  const text = await m.fourLetter('conf');
  return parseConfig(text.slice(text.indexOf('membership:')));
}

async function expectConfigEverywhere(members: EnsembleMember[], want: ConfigSeen): Promise<void> {
  for (const m of members) {
    const seen = await configOn(m);
    console.log(`member ${m.sid} /zookeeper/config:\n${seen.text}`);
    expect(seen.ids, `/zookeeper/config on member ${m.sid}`).toEqual(want.ids);
    expect(seen.version, `config version on member ${m.sid}`).toBe(want.version);
    // initConfigInZKDatabase and the reconfig txn alike: data version -1, mzxid = config version.
    expect(seen.stat, `/zookeeper/config stat on member ${m.sid}`).toEqual({
      version: -1,
      mzxid: want.version,
    });
    // conf is read without a sync: the member may apply the reconfig a moment later.
    await waitUntil(
      `conf membership on member ${m.sid}`,
      async () => {
        const conf = await membershipOn(m);
        return conf.version === want.version && conf.ids.join() === want.ids.join();
      },
      20_000,
    );
  }
}

/** Runs one reconfig as the super user; returns the config it produced (the reply's data). */
async function reconfig(
  what: string,
  joining: string | null,
  leaving: string | null,
  newMembers: string | null = null,
): Promise<ConfigSeen> {
  let result: ConfigSeen | undefined;
  // A reconfig that removes the leader may lose its reply with the connection: read it back then.
  await waitUntil(
    what,
    async () => {
      const r = await admin!.reconfig(joining, leaving, newMembers, -1n);
      if (r.header.err === ErrorCode.ok && r.response?.kind === 'getData') {
        result = parseConfig(r.response.data?.toString('utf8') ?? '');
        const zxid = r.response.stat.mzxid;
        expect(result.version).toBe(zxid.toString(16));
        return true;
      }
      console.log(`${what}: ${errName(r.header.err)}; retrying`);
      return false;
    },
    60_000,
    1_000,
  );
  return result!;
}

async function expectNoAckedWriteLost(members: EnsembleMember[]): Promise<void> {
  const acked = writers.flatMap((w) => w.acked);
  for (const m of members) {
    const c = await connectWhenServing(m);
    try {
      const have = new Set(await childrenAfterSync(c, '/reconfig'));
      const missing = acked.filter((p) => !have.has(p.slice('/reconfig/'.length)));
      expect(missing, `acknowledged writes missing on member ${m.sid}`).toEqual([]);
    } finally {
      await closeAll(c);
    }
  }
}

function progress(): Promise<void> {
  return Promise.all(writers.map((w) => w.waitAcked(w.acked.length + 20))).then(() => undefined);
}

describe('dynamic reconfiguration under write load', () => {
  beforeAll(async () => {
    e = await startEnsemble({
      size: 5,
      joiners: [4, 5],
      clientAddressInServerLines: true,
      config: {
        tickTime: '1000',
        reconfigEnabled: 'true',
        standaloneEnabled: 'false',
        'DigestAuthenticationProvider.superDigest': digestAuthId(SUPER),
      },
    });
    await e.waitForQuorum();
  });

  afterAll(async () => {
    for (const w of writers) await w.stop().catch(() => undefined);
    await closeAll(admin, ...writerClients);
    await e?.stop();
  });

  it('grows 3 → 5 and shrinks 5 → 3 with no acknowledged write lost', async () => {
    const [m1, m2, m3, m4, m5] = e.members as [
      EnsembleMember,
      EnsembleMember,
      EnsembleMember,
      EnsembleMember,
      EnsembleMember,
    ];
    const first = [m1, m2, m3];
    const initial = await configOn(m1);
    console.log(`initial config:\n${initial.text}`);
    expect(initial.ids).toEqual([1, 2, 3]);
    await expectConfigEverywhere(first, initial);

    const setup = await connectWhenServing(m1);
    await createNode(setup, '/reconfig');
    await closeAll(setup);
    for (const m of first) {
      const c = await ZkClient.connect(
        [m, ...first.filter((x) => x !== m)].map((x) => x.address).join(','),
        { sessionTimeoutMs: 15_000 },
      );
      writerClients.push(c);
      writers.push(new SequentialWriter(c, '/reconfig', `w${m.sid}`));
    }
    await progress();

    admin = await ZkClient.connect(first.map((m) => m.address).join(','), {
      sessionTimeoutMs: 30_000,
    });
    ok(await admin.addAuth('digest', SUPER), 'addauth super');

    // Without super: NOAUTH (the node's ACL is world:anyone read).
    const plain = await connectWhenServing(m2);
    expect((await plain.reconfig(serverLine(m4), null, null, -1n)).header.err).toBe(
      ErrorCode.noAuth,
    );
    // From a stale config version: BADVERSION.
    expect((await admin.reconfig(serverLine(m4), null, null, 1n)).header.err).toBe(
      ErrorCode.badVersion,
    );
    await closeAll(plain);

    // ---- grow: 4 joins, then 5 ----
    let current = initial;
    for (const joiner of [m4, m5]) {
      await joiner.start();
      // Synced as a non-voting follower before it is added.
      await waitUntil(
        `member ${joiner.sid} to follow`,
        async () => (await joiner.mode()) === 'follower',
      );
      current = await reconfig(`add server.${joiner.sid}`, serverLine(joiner), null);
      console.log(`after adding ${joiner.sid}:\n${current.text}`);
      expect(current.ids).toEqual(e.members.filter((m) => m.sid <= joiner.sid).map((m) => m.sid));
      await e.waitForQuorum();
      await expectConfigEverywhere(
        e.members.filter((m) => m.running),
        current,
      );
      await progress();
    }

    // ---- shrink: the leader leaves first, then member 4 (or 5 if 4 led) ----
    const leader = await e.waitForQuorum();
    current = await reconfig(`remove leader ${leader.sid}`, null, String(leader.sid));
    console.log(`after removing the leader ${leader.sid}:\n${current.text}`);
    expect(current.ids).not.toContain(leader.sid);
    await leader.stop();
    const newLeader = await e.waitForQuorum();
    expect(newLeader.sid).not.toBe(leader.sid);
    await expectConfigEverywhere(
      e.members.filter((m) => m.running),
      current,
    );
    await progress();

    // The second removal is non-incremental: the full new member list, comma separated.
    const second = [m4, m5].find((m) => m !== leader && m !== newLeader) ?? m3;
    const keep = e.members.filter((m) => current.ids.includes(m.sid) && m !== second);
    current = await reconfig(
      `remove ${second.sid} (non-incremental)`,
      null,
      null,
      keep.map(serverLine).join(','),
    );
    console.log(`after removing ${second.sid}:\n${current.text}`);
    expect(current.ids).toHaveLength(3);
    await second.stop();
    await e.waitForQuorum();
    const remaining = e.members.filter((m) => m.running);
    expect(remaining.map((m) => m.sid)).toEqual(current.ids);
    await expectConfigEverywhere(remaining, current);
    await progress();

    // A member restarted after the reconfigs comes back with the committed config (zoo.cfg now
    // names zoo.cfg.dynamic.<version>).
    const restarted = remaining.find((m) => m !== newLeader)!;
    await restarted.stop();
    await restarted.start();
    await e.waitForQuorum();
    await expectConfigEverywhere(remaining, current);
    await progress();

    for (const w of writers) await w.stop();
    console.log(
      `writes acknowledged: ${writers.map((w) => `${w.acked.length} (${w.unknown.length} unknown, errors: ${w.errors.join('; ') || 'none'})`).join(', ')}`,
    );
    await expectNoAckedWriteLost(remaining);
  }, 600_000);
});

describe('reconfig changes a member between observer and participant', () => {
  let o: Ensemble | undefined;
  afterAll(async () => {
    await o?.stop();
  });

  it('promotes an observer to a voting follower and demotes it again', async () => {
    o = await startEnsemble({
      size: 4,
      observers: [4],
      clientAddressInServerLines: true,
      config: {
        tickTime: '1000',
        reconfigEnabled: 'true',
        standaloneEnabled: 'false',
        'DigestAuthenticationProvider.superDigest': digestAuthId(SUPER),
      },
    });
    await o.waitForQuorum();
    const m4 = o.member(4);
    await waitUntil('member 4 to observe', async () => (await m4.mode()) === 'observer');
    const c = await ZkClient.connect(o.connectString, { sessionTimeoutMs: 30_000 });
    try {
      ok(await c.addAuth('digest', SUPER), 'addauth super');
      const as = (role: string) =>
        `server.4=${m4.host}:2888:3888:${role};${m4.host}:${m4.clientPort}`;
      for (const [role, mode] of [
        ['participant', 'follower'],
        ['observer', 'observer'],
      ] as const) {
        const r = ok(await c.reconfig(as(role), null, null, -1n), `reconfig server.4 ${role}`);
        const text = r.response?.kind === 'getData' ? r.response.data!.toString('utf8') : '';
        expect(text).toContain(as(role));
        await waitUntil(`member 4 to be ${mode}`, async () => (await m4.mode()) === mode, 30_000);
        await o.waitForQuorum();
        await expectConfigEverywhere(o.members, parseConfig(text));
        await createNode(await connectWhenServing(m4), `/role-${role}`).catch(() => undefined);
      }
    } finally {
      await closeAll(c);
    }
  }, 300_000);
});
