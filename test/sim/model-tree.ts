/** A replica's tree in the simulator: the real DataTree, with what the checkers need. */
import type { LoggedTxn } from '../../src/node/proto/types.js';
import { DataTree } from '../../src/node/tree/data-tree.js';

export class ModelTree {
  constructor(private readonly tree = new DataTree()) {}

  apply(t: LoggedTxn): void {
    this.tree.apply(t);
  }

  digest(): string {
    return `${this.tree.nodeCount()}:${this.tree.digest()}`;
  }

  dataOf(path: string): string | undefined {
    return this.tree.getNode(path)?.data?.toString('utf8');
  }

  clone(): ModelTree {
    return new ModelTree(DataTree.fromSnapshot(this.tree.exportSnapshot()));
  }
}
