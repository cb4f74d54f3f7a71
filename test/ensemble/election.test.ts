/**
 * Issue 4 acceptance: three servers started one by one in any order elect exactly one leader,
 * srvr reports leader/follower, and a write through each server is read back on the other two
 * after sync(). A 3+1 ensemble with an observer: the observer reports Mode: observer and
 * serves reads of writes made anywhere, including through itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble } from '../support/ensemble.js';
import {
  closeAll,
  connectWhenServing,
  createNode,
  readAfterSync,
  type ZkClient,
} from '../support/ensemble-client.js';

const config = { tickTime: '1000' };

async function modes(e: Ensemble): Promise<string[]> {
  return Promise.all(e.members.map(async (m) => `${m.sid}:${(await m.mode()) ?? 'none'}`));
}

/** Writes /<prefix>-<sid> through every member and reads each back on every other member. */
async function writeEverywhereReadEverywhere(e: Ensemble, prefix: string): Promise<void> {
  const clients: ZkClient[] = [];
  try {
    for (const m of e.members) clients.push(await connectWhenServing(m));
    for (const [i, writer] of e.members.entries()) {
      const path = `/${prefix}-${writer.sid}`;
      await createNode(clients[i]!, path, `written through ${writer.sid}`);
      for (const [j, reader] of e.members.entries()) {
        if (reader === writer) continue;
        expect(await readAfterSync(clients[j]!, path), `${path} on member ${reader.sid}`).toBe(
          `written through ${writer.sid}`,
        );
      }
    }
  } finally {
    await closeAll(...clients);
  }
}

for (const startOrder of [
  [3, 1, 2],
  [2, 3, 1],
]) {
  describe(`three servers started in the order ${startOrder.join(',')}`, () => {
    let e: Ensemble;
    beforeAll(async () => {
      e = await startEnsemble({ config, startOrder });
    });
    afterAll(async () => {
      await e?.stop();
    });

    it('elect exactly one leader; the others follow', async () => {
      const leader = await e.waitForQuorum();
      const m = await modes(e);
      expect(m.filter((x) => x.endsWith(':leader'))).toEqual([`${leader.sid}:leader`]);
      expect(m.filter((x) => x.endsWith(':follower'))).toHaveLength(2);
    });

    it('a write through each server is read back on the other two after sync()', async () => {
      await writeEverywhereReadEverywhere(e, `order-${startOrder.join('')}`);
    });
  });
}

describe('three voters and one observer', () => {
  let e: Ensemble;
  beforeAll(async () => {
    e = await startEnsemble({ config, size: 4, observers: [4] });
  });
  afterAll(async () => {
    await e?.stop();
  });

  it('the observer reports Mode: observer, the voters one leader and two followers', async () => {
    const leader = await e.waitForQuorum();
    expect(leader.sid).not.toBe(4);
    expect(await e.member(4).mode()).toBe('observer');
    const m = await modes(e);
    expect(m.filter((x) => x.endsWith(':leader'))).toHaveLength(1);
    expect(m.filter((x) => x.endsWith(':follower'))).toHaveLength(2);
  });

  it('the observer serves reads of writes made through any server, and forwards its own', async () => {
    await writeEverywhereReadEverywhere(e, 'observed');
  });
});
