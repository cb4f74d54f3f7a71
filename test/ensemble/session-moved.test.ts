/**
 * Session ownership in an ensemble: once a client's session reconnects through another server,
 * a write still arriving on its old connection is refused (Apache's prep stage turns it into a
 * SESSIONMOVED error txn and its final stage closes that connection, so the client sees a
 * connection loss) and does not happen; the moved session itself goes on working.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorCode } from '../../src/node/proto/errors.js';
import { startEnsemble, type Ensemble } from '../support/ensemble.js';
import {
  childrenAfterSync,
  closeAll,
  connectWhenServing,
  createNode,
  ZkClient,
} from '../support/ensemble-client.js';

let e: Ensemble;

beforeAll(async () => {
  e = await startEnsemble({ config: { tickTime: '500' } });
  await e.waitForQuorum();
});

afterAll(async () => {
  await e?.stop();
});

it('refuses a write on the old connection after the session moved to another server', async () => {
  const leader = await e.waitForQuorum();
  const follower = e.members.find((m) => m !== leader)!;
  const setup = await connectWhenServing(leader);
  await createNode(setup, '/moved');
  await closeAll(setup);

  const first = await ZkClient.connect(leader.address, {
    sessionTimeoutMs: 10_000,
    reconnect: false,
  });
  const moved = await ZkClient.connect(follower.address, {
    sessionTimeoutMs: 10_000,
    sessionId: first.sessionId,
    passwd: first.passwd,
    reconnect: false,
  });
  try {
    expect(moved.sessionId).toBe(first.sessionId);
    // A real client that moved carries its xids on, so its next write never reuses the stale
    // one's cxid. Two client objects both start at xid 1, and a follower (Apache's as ours)
    // matches a committed txn to its own pending request by session id and cxid: step past it.
    expect((await moved.sync('/moved')).header.err).toBe(ErrorCode.ok);
    const stale = await first.create('/moved/stale', Buffer.from('x'));
    expect(stale.header.err).toBe(ErrorCode.connectionLoss);
    const fresh = await moved.create('/moved/fresh', Buffer.from('y'));
    expect(fresh.header.err).toBe(ErrorCode.ok);
    expect(await childrenAfterSync(moved, '/moved')).toEqual(['fresh']);
  } finally {
    await closeAll(first, moved);
  }
});
