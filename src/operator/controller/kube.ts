/**
 * Plain JSON requests to the API server with the kubeconfig's credentials. Server-side apply,
 * merge patches of the status subresource and custom resources go through here byte for byte
 * (the typed client's serializer drops keys it does not model).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

export const CONTENT = {
  json: 'application/json',
  merge: 'application/merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly body: unknown,
  ) {
    const msg = (body as { message?: string } | undefined)?.message ?? JSON.stringify(body);
    super(`${method} ${path}: ${status} ${msg}`);
  }
}

export interface Kube {
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T>;
  /** undefined on 404 */
  get<T = unknown>(path: string): Promise<T | undefined>;
  /** server-side apply, field manager and force as given */
  apply<T = unknown>(path: string, obj: unknown, fieldManager: string): Promise<T>;
  /** true if it was there */
  delete(path: string, body?: unknown): Promise<boolean>;
}

export function makeKube(kc: KubeConfig, timeoutMs = 30_000): Kube {
  const send = async <T>(
    method: string,
    path: string,
    body?: unknown,
    contentType: string = CONTENT.json,
  ) => {
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error('kubeconfig has no current cluster');
    const url = new URL(path, server);
    const opts: RequestOptions = {
      method,
      headers: { Accept: 'application/json' },
      timeout: timeoutMs,
    };
    await kc.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) opts.headers = { ...opts.headers, 'Content-Type': contentType };
    const req = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<{ status: number; body: T }>((resolve, reject) => {
      const r = req(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T });
        });
        res.on('error', reject);
      });
      r.on('timeout', () => r.destroy(new Error(`${method} ${path}: timed out`)));
      r.on('error', reject);
      if (payload !== undefined) r.write(payload);
      r.end();
    });
  };
  const ok = async <T>(method: string, path: string, body?: unknown, contentType?: string) => {
    const res = await send<T>(method, path, body, contentType);
    if (res.status < 200 || res.status >= 300)
      throw new KubeError(res.status, method, path, res.body);
    return res.body;
  };
  return {
    request: ok,
    async get<T>(path: string) {
      const res = await send<T>('GET', path);
      if (res.status === 404) return undefined;
      if (res.status < 200 || res.status >= 300)
        throw new KubeError(res.status, 'GET', path, res.body);
      return res.body;
    },
    apply<T>(path: string, obj: unknown, fieldManager: string) {
      const sep = path.includes('?') ? '&' : '?';
      return ok<T>(
        'PATCH',
        `${path}${sep}fieldManager=${encodeURIComponent(fieldManager)}&force=true`,
        obj,
        CONTENT.apply,
      );
    },
    async delete(path: string, body?: unknown) {
      const res = await send('DELETE', path, body);
      if (res.status === 404) return false;
      if (res.status < 200 || res.status >= 300)
        throw new KubeError(res.status, 'DELETE', path, res.body);
      return true;
    },
  };
}

const plural: Record<string, string> = {
  ConfigMap: 'configmaps',
  Service: 'services',
  Pod: 'pods',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  Event: 'events',
  StatefulSet: 'statefulsets',
  PodDisruptionBudget: 'poddisruptionbudgets',
  ServiceMonitor: 'servicemonitors',
  Lease: 'leases',
  ZooKeeperEnsemble: 'zookeeperensembles',
};

/** The REST path of a namespaced object (or of its collection when name is omitted). */
export function objectPath(
  apiVersion: string,
  kind: string,
  namespace: string,
  name?: string,
): string {
  const p = plural[kind];
  if (!p) throw new Error(`no REST path known for kind ${kind}`);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}/namespaces/${namespace}/${p}${name === undefined ? '' : `/${name}`}`;
}
