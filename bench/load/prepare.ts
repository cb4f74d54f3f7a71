/** Creates the benchmark's tree (root, root/k/<i> with the payload, root/c) with src/client. */
import { ZkClient } from '../../src/client/zk-client.js';
import { ErrorCode } from '../../src/node/proto/errors.js';
import { keyPath } from './frames.js';

export async function prepareTree(
  connectString: string,
  root: string,
  keys: number,
  payloadBytes: number,
): Promise<void> {
  const c = await ZkClient.connect(connectString, { sessionTimeoutMs: 30_000 });
  try {
    const check = (path: string, err: number) => {
      if (err !== ErrorCode.ok && err !== ErrorCode.nodeExists)
        throw new Error(`bench setup: create ${path} failed with error ${err}`);
    };
    for (const p of [root, `${root}/k`, `${root}/c`]) check(p, (await c.create(p)).header.err);
    const payload = Buffer.alloc(payloadBytes, 0x62);
    const batch = 256;
    for (let i = 0; i < keys; i += batch) {
      const paths = Array.from({ length: Math.min(batch, keys - i) }, (_, j) =>
        keyPath(root, i + j),
      );
      const replies = await Promise.all(paths.map((p) => c.create(p, payload)));
      replies.forEach((r, j) => check(paths[j]!, r.header.err));
    }
  } finally {
    await c.close();
  }
}
