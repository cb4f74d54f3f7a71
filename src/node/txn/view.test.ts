import { describe, expect, it } from 'vitest';
import { OpCode } from '../proto/opcodes.js';
import type { LoggedTxn } from '../proto/types.js';
import { Harness } from './harness.js';
import { Overlay, applyToView, changesOf } from './view.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

describe('changesOf', () => {
  it("setData's shortcut gives what applyToView gives through an Overlay", () => {
    const h = new Harness();
    h.write({
      type: OpCode.create,
      request: { path: '/a', data: Buffer.from('x'), acl: OPEN, flags: 0 },
    });
    for (const path of ['/a', '/missing']) {
      const t: LoggedTxn = {
        header: { clientId: 1n, cxid: 7, zxid: 42n, time: 1234, type: OpCode.setData },
        txn: { type: OpCode.setData, path, data: Buffer.from('yz'), version: 3 },
      };
      const o = new Overlay(h.pending);
      applyToView(t.header, t.txn, o);
      expect(changesOf(t, h.pending)).toEqual(o.changes);
    }
  });
});
