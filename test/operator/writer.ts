/**
 * A client write load for a rolling upgrade: sequential creates under one parent, moving to the
 * next member when its session's server goes away. Only writes the server acknowledged are
 * recorded; a write whose answer was lost may or may not be there, and is not checked.
 */
import { connectZk, type ZkClient } from '../e2e/zk-client.js';

export interface Writer {
  /** Stops writing; the acknowledged writes, path → value. */
  stop(): Promise<Map<string, string>>;
}

export async function startWriter(
  servers: string[],
  parent: string,
  pauseMs = 20,
): Promise<Writer> {
  const first = await connectZk(servers[0]!);
  try {
    await first.mkdirp(parent);
  } finally {
    first.close();
  }
  const acked = new Map<string, string>();
  let writing = true;
  let n = 0;
  let server = 0;
  const loop = (async () => {
    while (writing) {
      let zk: ZkClient | undefined;
      try {
        zk = await connectZk(servers[server % servers.length]!, 5_000);
        while (writing) {
          const path = `${parent}/w-${String(n).padStart(6, '0')}`;
          const value = `w${n}`;
          n++;
          await zk.create(path, value);
          acked.set(path, value);
          await new Promise((r) => setTimeout(r, pauseMs));
        }
      } catch {
        // The member went away (or is not serving yet): try the next one.
        server++;
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        zk?.close();
      }
    }
  })();
  return {
    async stop() {
      writing = false;
      await loop;
      return acked;
    },
  };
}
