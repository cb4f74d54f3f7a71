/** Typed access to node-zookeeper-client (the package ships no types). */
// @ts-expect-error -- no types shipped; NodeZkClient below states what the tests use.
import zookeeper from 'node-zookeeper-client';

export interface NodeZkStat {
  czxid: Buffer;
  mzxid: Buffer;
  ctime: Buffer;
  mtime: Buffer;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: Buffer;
  dataLength: number;
  numChildren: number;
  pzxid: Buffer;
}

export interface NodeZkEvent {
  type: number;
  name: string;
  path: string;
  getType(): number;
  getName(): string;
  getPath(): string;
}

export interface NodeZkException extends Error {
  code: number;
  getCode(): number;
  getName(): string;
}

type Cb<T> = (err: NodeZkException | null, v?: T, stat?: NodeZkStat) => void;

export interface NodeZkTransaction {
  create(path: string, data?: Buffer, acls?: unknown[], mode?: number): NodeZkTransaction;
  setData(path: string, data: Buffer | null, version?: number): NodeZkTransaction;
  check(path: string, version?: number): NodeZkTransaction;
  remove(path: string, version?: number): NodeZkTransaction;
  commit(
    cb: (err: NodeZkException | null, results?: { type: number; err: number }[]) => void,
  ): void;
}

export interface NodeZkClient {
  connect(): void;
  close(): void;
  on(event: string, f: (...a: unknown[]) => void): void;
  once(event: string, f: (...a: unknown[]) => void): void;
  getSessionId(): Buffer;
  getSessionPassword(): Buffer;
  getSessionTimeout(): number;
  getState(): { name: string; code: number };
  create(path: string, ...args: unknown[]): void;
  remove(path: string, ...args: unknown[]): void;
  exists(path: string, ...args: unknown[]): void;
  getData(path: string, ...args: unknown[]): void;
  setData(path: string, ...args: unknown[]): void;
  getChildren(path: string, ...args: unknown[]): void;
  getACL(path: string, ...args: unknown[]): void;
  setACL(path: string, ...args: unknown[]): void;
  addAuthInfo(scheme: string, auth: Buffer): void;
  mkdirp(path: string, ...args: unknown[]): void;
  transaction(): NodeZkTransaction;
}

export const zk = zookeeper as {
  createClient(connectString: string, opts?: Record<string, unknown>): NodeZkClient;
  CreateMode: Record<string, number>;
  Exception: Record<string, number>;
  Event: Record<string, number>;
  Permission: {
    READ: number;
    WRITE: number;
    CREATE: number;
    DELETE: number;
    ADMIN: number;
    ALL: number;
  };
  ACL: new (perms: number, id: unknown) => unknown;
  Id: new (scheme: string, id: string) => unknown;
  ZOO_OPEN_ACL_UNSAFE?: unknown;
};

export function connectClient(
  connectString: string,
  opts: Record<string, unknown> = {},
  timeoutMs = 20_000,
): Promise<NodeZkClient> {
  return new Promise((resolve, reject) => {
    const c = zk.createClient(connectString, { sessionTimeout: 10_000, retries: 0, ...opts });
    const t = setTimeout(() => {
      c.close();
      reject(new Error(`connect to ${connectString} timed out`));
    }, timeoutMs);
    c.once('connected', () => {
      clearTimeout(t);
      resolve(c);
    });
    c.connect();
  });
}

/** Promisifies a node-zookeeper-client callback call; rejects with the client's exception. */
export function call<T>(f: (cb: Cb<T>) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));
}

/** Like call(), also returning the stat. */
export function callStat<T>(
  f: (cb: Cb<T>) => void,
): Promise<{ value: T | undefined; stat: NodeZkStat | undefined }> {
  return new Promise((resolve, reject) =>
    f((err, value, stat) => (err ? reject(err) : resolve({ value, stat }))),
  );
}

/** The ZooKeeper error code a call fails with (0 when it succeeds). */
export async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    const code = (e as NodeZkException).code;
    if (typeof code !== 'number') throw e;
    return code;
  }
}
