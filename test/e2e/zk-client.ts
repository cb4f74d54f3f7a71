/** Promise wrappers over the part of node-zookeeper-client the e2e scenario uses. */
// @ts-expect-error -- the package publishes no type declarations; RawClient below types what is used.
import zookeeper from 'node-zookeeper-client';

interface RawClient {
  connect(): void;
  close(): void;
  once(event: 'connected', f: () => void): void;
  create(
    path: string,
    data: Buffer,
    mode: number,
    cb: (err: Error | null, path?: string) => void,
  ): void;
  getData(path: string, cb: (err: Error | null, data?: Buffer) => void): void;
  getChildren(path: string, cb: (err: Error | null, children?: string[]) => void): void;
  mkdirp(path: string, cb: (err: Error | null) => void): void;
}

export interface ZkClient {
  create(path: string, data: string): Promise<void>;
  get(path: string): Promise<string>;
  children(path: string): Promise<string[]>;
  mkdirp(path: string): Promise<void>;
  close(): void;
}

const persistent = 0;

/** Connects to one server only (no retries elsewhere), so a write goes through that member. */
export function connectZk(hostPort: string, timeoutMs = 20_000): Promise<ZkClient> {
  return new Promise((resolve, reject) => {
    const raw = zookeeper.createClient(hostPort, {
      sessionTimeout: 10_000,
      retries: 0,
    }) as RawClient;
    const timer = setTimeout(() => {
      raw.close();
      reject(new Error(`could not connect to ${hostPort} in ${timeoutMs} ms`));
    }, timeoutMs);
    const call = <T>(f: (cb: (err: Error | null, v?: T) => void) => void) =>
      new Promise<T>((ok, fail) => f((err, v) => (err ? fail(err) : ok(v as T))));
    raw.once('connected', () => {
      clearTimeout(timer);
      resolve({
        create: (path, data) =>
          call<string>((cb) => raw.create(path, Buffer.from(data), persistent, cb)).then(
            () => undefined,
          ),
        get: (path) => call<Buffer>((cb) => raw.getData(path, cb)).then((b) => b.toString('utf8')),
        children: (path) => call<string[]>((cb) => raw.getChildren(path, cb)),
        mkdirp: (path) => call<void>((cb) => raw.mkdirp(path, cb)),
        close: () => raw.close(),
      });
    });
    raw.connect();
  });
}
