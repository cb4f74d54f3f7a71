import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode } from '../proto/opcodes.js';
import type { ACL, LoggedTxn } from '../proto/types.js';
import { encodeSnapshot } from '../storage/snapshot-format.js';
import { DataTree } from '../tree/data-tree.js';
import { Harness } from './harness.js';
import type { WriteRequest } from './prepare.js';

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const paths = ['/a', '/b', '/a/x', '/a/y', '/b/x', '/a/x/z', '/c'];
const path = fc.constantFrom(...paths);
const data = fc.option(
  fc.uint8Array({ maxLength: 6 }).map((u) => Buffer.from(u)),
  { nil: null },
);

const createOp = fc
  .record({ path, data, flags: fc.constantFrom(0, 1, 2, 3) })
  .map((r): WriteRequest => ({
    type: OpCode.create,
    request: { path: r.path, data: r.data, acl: OPEN, flags: r.flags },
  }));
const subOp = fc.oneof(
  createOp,
  fc
    .record({ path, version: fc.constantFrom(-1, 0, 1) })
    .map((r): WriteRequest => ({ type: OpCode.delete, request: r })),
  fc
    .record({ path, data, version: fc.constantFrom(-1, 0, 1) })
    .map((r): WriteRequest => ({ type: OpCode.setData, request: r })),
);
const op = fc.record({
  session: fc.constantFrom(1n, 2n),
  pipeline: fc.boolean(),
  req: fc.oneof(
    { weight: 6, arbitrary: subOp },
    {
      weight: 1,
      arbitrary: fc.record({ path, version: fc.constantFrom(-1, 0) }).map((r): WriteRequest => ({
        type: OpCode.setACL,
        request: { ...r, acl: OPEN },
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .array(subOp, { maxLength: 4 })
        .map((ops): WriteRequest => ({ type: OpCode.multi, request: { ops: ops as never } })),
    },
    {
      weight: 1,
      arbitrary: fc.constant<WriteRequest>({ type: OpCode.closeSession, request: null }),
    },
  ),
});

const tail = { zxidDigest: null, lastProcessedZxid: 7n };
/** The snapshot image as the tree writes it straight from its columns… */
const viaRecords = (tree: DataTree) => encodeSnapshot(tree.exportSnapshot(), tail);
/** …and from its node objects: both must be the same bytes. */
const viaNodes = (tree: DataTree) =>
  encodeSnapshot({ ...tree.exportSnapshot(), recordWriter: undefined }, tail);

function checkInvariants(tree: DataTree): void {
  const snap = tree.exportSnapshot();
  let count = 0;
  for (const n of snap.nodes) {
    count++;
    const p = n.path === '' ? '/' : n.path;
    const node = tree.getNode(p)!;
    const stat = tree.statOf(p)!;
    expect(stat.numChildren).toBe(node.children.size);
    expect(stat.cversion).toBe(2 * node.stat.cversion - node.children.size);
    for (const c of node.children) expect(tree.has(p === '/' ? `/${c}` : `${p}/${c}`)).toBe(true);
  }
  expect(tree.nodeCount()).toBe(count + 1);
  expect(tree.digest()).toBe(tree.recomputeDigest());
}

describe('tree invariants under random txn sequences', () => {
  it('counts, digest, monotone parent cversion/pzxid, snapshot identity, pipelined = sequential', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const seq = new Harness();
        const pip = new Harness();
        const seqTxns: LoggedTxn[] = [];
        const pipTxns: LoggedTxn[] = [];
        const prepared: { t: LoggedTxn; type: number }[] = [];
        const seen = new Map<string, { cversion: number; pzxid: bigint }>();
        for (const o of ops) {
          const w = seq.write(o.req, { sessionId: o.session });
          seqTxns.push(w.txn);
          prepared.push({ t: pip.prepare(o.req, { sessionId: o.session }), type: o.req.type });
          if (!o.pipeline) {
            for (const p of prepared.splice(0)) pipTxns.push(pip.applyTxn(p.t, p.type).txn);
          }
          for (const p of ['/', '/a', '/b', '/a/x']) {
            const n = seq.tree.getNode(p);
            const before = seen.get(p);
            if (!n) {
              seen.delete(p);
              continue;
            }
            if (before) {
              expect(n.stat.cversion).toBeGreaterThanOrEqual(before.cversion);
              expect(n.stat.pzxid >= before.pzxid).toBe(true);
            }
            seen.set(p, { cversion: n.stat.cversion, pzxid: n.stat.pzxid });
          }
        }
        for (const p of prepared.splice(0)) pipTxns.push(pip.applyTxn(p.t, p.type).txn);
        expect(pipTxns).toEqual(seqTxns);
        expect(pip.pending.size()).toBe(0);
        expect(pip.tree.digest()).toBe(seq.tree.digest());
        checkInvariants(seq.tree);
        const back = DataTree.fromSnapshot(seq.tree.exportSnapshot());
        checkInvariants(back);
        expect(back.digest()).toBe(seq.tree.digest());
        expect([...back.exportSnapshot().nodes]).toEqual([...seq.tree.exportSnapshot().nodes]);
        expect(viaRecords(seq.tree).equals(viaNodes(seq.tree))).toBe(true);
        // A session's ephemerals are a set (Apache keeps a HashSet): compare them as one.
        expect(sortedEphemerals(back)).toEqual(sortedEphemerals(seq.tree));
        // Recovery replays the log onto a fresh tree: same state.
        const fresh = new DataTree();
        for (const t of seqTxns) fresh.apply(t);
        expect(fresh.digest()).toBe(seq.tree.digest());
      }),
      { numRuns: 300 },
    );
  });
});

function sortedEphemerals(tree: DataTree): Map<bigint, string[]> {
  return new Map([...tree.ephemeralsBySession()].map(([id, paths]) => [id, [...paths].sort()]));
}
