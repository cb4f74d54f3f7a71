import { describe, expect, it } from 'vitest';
import { ErrorCode, ZkError } from '../proto/errors.js';
import { OpCode } from '../proto/opcodes.js';
import { Harness } from './harness.js';

const req = {
  type: OpCode.reconfig as typeof OpCode.reconfig,
  request: { joiningServers: null, leavingServers: '3', newMembers: null, curConfigId: -1n },
};
const SUPER = [{ scheme: 'super', id: 'super' }];

describe('prepare reconfig', () => {
  it('disabled → -123 before the session check', () => {
    const h = new Harness();
    expect(h.prepare(req, { sessionValid: false }).txn).toEqual({
      type: OpCode.error,
      err: ErrorCode.reconfigDisabled,
    });
  });
  it('a leader without super → NOAUTH; with super: SetDataTxn on /zookeeper/config, version -1', () => {
    const h = new Harness();
    let asked: bigint | undefined;
    h.config = {
      ...h.config,
      reconfigEnabled: true,
      standalone: false,
      reconfig: (_r, zxid) => {
        asked = zxid;
        return Buffer.from(`server.1=a:1:2:participant;3\nversion=${zxid.toString(16)}`);
      },
    };
    expect(h.prepare(req).txn).toEqual({ type: OpCode.error, err: ErrorCode.noAuth });
    const ok = h.write(req, { authIds: SUPER });
    expect(ok.txn.header.type).toBe(OpCode.reconfig);
    expect(ok.txn.txn).toEqual({
      type: OpCode.reconfig,
      path: '/zookeeper/config',
      data: Buffer.from(`server.1=a:1:2:participant;3\nversion=${asked!.toString(16)}`),
      version: -1,
    });
    expect(ok.response).toMatchObject({
      kind: 'getData',
      data: ok.txn.txn.type === OpCode.reconfig ? ok.txn.txn.data : null,
    });
    expect(h.tree.statOf('/zookeeper/config')!.version).toBe(-1);
  });
  it("the planner's ZkError becomes the error txn", () => {
    const h = new Harness();
    h.config = {
      ...h.config,
      reconfigEnabled: true,
      reconfig: () => {
        throw new ZkError(ErrorCode.newConfigNoQuorum);
      },
    };
    expect(h.prepare(req, { authIds: SUPER }).txn).toEqual({
      type: OpCode.error,
      err: ErrorCode.newConfigNoQuorum,
    });
  });
});
