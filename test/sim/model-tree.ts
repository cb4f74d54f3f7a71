/**
 * The replicated state the simulator checks. src/node/tree (DataTree) was not committed when
 * the simulator was written, so replicas hold this small path → data map; swap in DataTree and
 * its digest() once it exists.
 */
import { OpCode } from '../../src/node/proto/opcodes.js';
import type { LoggedTxn } from '../../src/node/proto/types.js';

export class ModelTree {
  constructor(readonly nodes = new Map<string, string>()) {}

  apply(t: LoggedTxn): void {
    const x = t.txn;
    if (x.type === OpCode.create) {
      if (!this.nodes.has(x.path)) this.nodes.set(x.path, x.data?.toString('utf8') ?? '');
    } else if (x.type === OpCode.setData) {
      this.nodes.set(x.path, x.data?.toString('utf8') ?? '');
    }
  }

  digest(): string {
    // Order-independent FNV-style sum so that it is cheap to keep comparing.
    let h = 0;
    for (const [k, v] of this.nodes) {
      let e = 2166136261;
      const s = `${k}=${v}`;
      for (let i = 0; i < s.length; i++) e = Math.imul(e ^ s.charCodeAt(i), 16777619);
      h = (h + (e >>> 0)) >>> 0;
    }
    return `${this.nodes.size}:${h}`;
  }

  clone(): ModelTree {
    return new ModelTree(new Map(this.nodes));
  }
}
