/**
 * Plain JSON requests to the API server with the kubeconfig's credentials. The typed
 * client's serializer drops keys it does not model under their wire names (a CRD schema's
 * `default` and `x-kubernetes-validations`), so CRDs and custom resources go through here,
 * byte for byte as written, and errors come back as the server's own Status.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { request, type RequestOptions } from 'node:https';

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

/** The server's Status object for a refused request. */
export interface KubeStatus {
  kind: 'Status';
  status: string;
  message: string;
  reason: string;
  code: number;
  details?: { causes?: { field?: string; message: string; reason?: string }[] };
}

export async function kubeRequest<T = unknown>(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  accept = 'application/json',
): Promise<KubeResponse<T>> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const opts: RequestOptions = { method, headers: { Accept: accept } };
  await kc.applyToHTTPSOptions(opts);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload !== undefined) opts.headers = { ...opts.headers, 'Content-Type': contentType };
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server), opts, (res) => {
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
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Like kubeRequest, but a status outside 2xx throws with the server's message. */
export async function kubeOk<T = unknown>(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<T> {
  const res = await kubeRequest<T>(kc, method, path, body, contentType);
  if (res.status < 200 || res.status >= 300) {
    const message =
      (res.body as Partial<KubeStatus> | undefined)?.message ?? JSON.stringify(res.body);
    throw new Error(`${method} ${path}: ${res.status} ${message}`);
  }
  return res.body;
}

/** Server-side apply of one object, as `kubectl apply --server-side` would. */
export function applyObject<T = unknown>(
  kc: KubeConfig,
  path: string,
  obj: unknown,
  fieldManager = 'zkts-e2e',
): Promise<T> {
  const sep = path.includes('?') ? '&' : '?';
  return kubeOk<T>(
    kc,
    'PATCH',
    `${path}${sep}fieldManager=${fieldManager}&force=true`,
    obj,
    'application/apply-patch+yaml',
  );
}
