import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/prng.js';
import { majorityVerifier } from '../quorum/quorum-verifier.js';
import { PeerState } from '../quorum/wire/notification.js';
import { ElectionDriver, type Decision } from './quorum-election-driver.js';
import { ElectionNet } from './quorum-election-net.js';

const nets: ElectionNet[] = [];
const drivers: ElectionDriver[] = [];

afterEach(async () => {
  for (const d of drivers.splice(0)) d.close();
  await Promise.all(nets.splice(0).map((n) => n.stop()));
});

async function ensemble(size: number, lookup?: (host: string) => Promise<string>) {
  const hosts = Array.from({ length: size }, (_, i) => `127.0.0.${i + 1}`);
  const peers = new Map<bigint, { host: string; port: number }>();
  const made: ElectionNet[] = [];
  for (let i = 0; i < size; i++) {
    const sid = BigInt(i + 1);
    const net = new ElectionNet({
      self: sid,
      listen: { host: hosts[i]!, port: 0 },
      announce: '',
      peers: new Map(),
      retryMs: 50,
      ...(lookup ? { lookup } : {}),
    });
    const port = await net.start();
    peers.set(sid, { host: lookup ? `zk-${i + 1}.svc` : hosts[i]!, port });
    made.push(net);
    nets.push(net);
  }
  for (const [i, net] of made.entries()) {
    const self = BigInt(i + 1);
    const o = (net as unknown as { opts: { peers: Map<bigint, unknown>; announce: string } }).opts;
    for (const [sid, a] of peers) if (sid !== self) o.peers.set(sid, a);
    o.announce = `${hosts[i]}:${peers.get(self)!.port}`;
  }
  const verifier = majorityVerifier(
    0n,
    [...peers.keys()].map((sid) => [sid, 'participant']),
  );
  return made.map((net, i) => {
    const d = new ElectionDriver(
      net,
      { self: BigInt(i + 1), committed: verifier, lastSeen: null, configText: 'version=0' },
      () => Date.now(),
      seededRandom(i),
    );
    drivers.push(d);
    return d;
  });
}

function decided(d: ElectionDriver): Promise<Decision> {
  return new Promise((resolve) => d.once('decided', resolve));
}

describe('election port runtime', () => {
  it('three servers on 127.0.0.1-3 elect the highest (epoch, zxid, sid) and keep one connection per pair', async () => {
    const ds = await ensemble(3);
    const results = Promise.all(ds.map(decided));
    ds.forEach((d, i) => d.look(i === 1 ? 9n : 5n, 1n));
    const r = await results;
    expect(r.map((x) => x.vote.leader)).toEqual([2n, 2n, 2n]);
    expect(r.map((x) => x.state)).toEqual([
      PeerState.FOLLOWING,
      PeerState.LEADING,
      PeerState.FOLLOWING,
    ]);
    const pairs = [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const;
    const allUp = () =>
      pairs.every(
        ([a, b]) => nets[a]!.isConnected(BigInt(b + 1)) && nets[b]!.isConnected(BigInt(a + 1)),
      );
    for (let i = 0; i < 100 && !allUp(); i++) await new Promise((res) => setTimeout(res, 20));
    expect(allUp()).toBe(true);
  });

  it('a restarted server joins the running ensemble through the answers of decided peers', async () => {
    const ds = await ensemble(3);
    const first = Promise.all(ds.slice(0, 2).map(decided));
    ds[0]!.look(1n, 1n);
    ds[1]!.look(1n, 1n);
    const r = await first;
    expect(r.map((x) => x.vote.leader)).toEqual([2n, 2n]);
    const late = decided(ds[2]!);
    ds[2]!.look(0n, 0n);
    expect((await late).vote.leader).toBe(2n);
  });

  it('names that do not resolve yet are retried, not fatal', async () => {
    let failures = 0;
    const lookup = (host: string): Promise<string> => {
      if (failures < 6) {
        failures++;
        return Promise.reject(new Error(`ENOTFOUND ${host}`));
      }
      return Promise.resolve(`127.0.0.${host.slice(3, host.indexOf('.'))}`);
    };
    const ds = await ensemble(3, lookup);
    const warnings: string[] = [];
    for (const n of nets) n.on('warn', (w) => warnings.push(w));
    const results = Promise.all(ds.map(decided));
    ds.forEach((d) => d.look(0n, 0n));
    expect((await results).map((x) => x.vote.leader)).toEqual([3n, 3n, 3n]);
    expect(warnings.some((w) => w.includes('cannot resolve'))).toBe(true);
  });
});
