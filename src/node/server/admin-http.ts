/**
 * The admin HTTP server (Apache's JettyAdminServer on admin.serverAddress:admin.serverPort,
 * default 0.0.0.0:8080): `GET /commands` lists the commands as links, `GET /commands/<name>`
 * (primary name or alias, query parameters passed to the command) answers JSON shaped like
 * Apache's CommandResponse. Like Apache, an unknown command still answers 200 with an error.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminCommandNames, runAdminCommand, type AdminEnv } from './admin-commands.js';
import { toJacksonJson } from './admin-json.js';
import type { ServerView } from './stats.js';

export interface AdminServerOptions {
  /** admin.serverAddress; Apache's default is 0.0.0.0. */
  host?: string;
  /** admin.serverPort; Apache's default is 8080; 0 picks a free port. */
  port?: number;
  /** admin.commandURL; Apache's default is /commands. */
  commandUrl?: string;
  env: AdminEnv;
}

export interface RunningAdminServer {
  port: number;
  close(): Promise<void>;
}

/** `view` may be a function so the server can start before the ZooKeeper server is ready. */
export async function startAdminServer(
  view: ServerView | (() => ServerView | undefined),
  opts: AdminServerOptions,
): Promise<RunningAdminServer> {
  const base = (opts.commandUrl ?? '/commands').replace(/\/+$/, '');
  const currentView = typeof view === 'function' ? view : () => view;
  const server = createServer((req, res) => handle(req, res, base, currentView, opts.env));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function handle(
  req: IncomingMessage,
  res: ServerResponse,
  base: string,
  view: () => ServerView | undefined,
  env: AdminEnv,
): void {
  const url = new URL(req.url ?? '/', 'http://admin.invalid');
  const path = url.pathname;
  if (path !== base && !path.startsWith(`${base}/`)) {
    send(res, 404, 'text/plain;charset=utf-8', 'Not Found\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'text/plain;charset=utf-8', 'Method Not Allowed\n');
    return;
  }
  const name = path.slice(base.length).replace(/^\/+/, '');
  if (name === '') {
    const list = adminCommandNames.map((n) => `<a href="${base}/${n}">${n}</a>\n<br/>\n`).join('');
    send(res, 200, 'text/html;charset=utf-8', list);
    return;
  }
  let body: string;
  try {
    body = toJacksonJson(runAdminCommand(decodeURIComponent(name), view(), env, url.searchParams));
  } catch (err) {
    // A failing command must not take the admin server down; report it the way Apache does.
    body = toJacksonJson(
      new Map([
        ['command', name],
        ['error', err instanceof Error ? err.message : String(err)],
      ]),
    );
  }
  send(res, 200, 'application/json', body, req.method === 'HEAD');
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headOnly = false,
): void {
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': buf.length });
  res.end(headOnly ? undefined : buf);
}
