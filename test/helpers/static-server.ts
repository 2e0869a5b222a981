/**
 * Serves a built web app (web/dist) on a free loopback port for browser tests, with the same SPA
 * fallback as the real server: any GET page path without a dot answers index.html. `/api/*` goes to
 * `api` when given, else 404 problem+json, so the app sees a server without a session.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export type ApiHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

function sendProblem(response: ServerResponse, status: number, title: string): void {
  response.writeHead(status, { 'content-type': 'application/problem+json' });
  response.end(JSON.stringify({ type: 'about:blank', title, status }));
}

async function sendFile(response: ServerResponse, path: string, method: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return false;
  response.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': 'no-store',
  });
  if (method === 'HEAD') response.end();
  else createReadStream(path).pipe(response);
  return true;
}

export async function startStaticServer(options: { root: string; api?: ApiHandler }): Promise<StaticServer> {
  const root = resolve(options.root);
  const server = createServer((request, response) => {
    void (async () => {
      const method = request.method ?? 'GET';
      const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
      if (pathname.startsWith('/api/')) {
        if (options.api) return options.api(request, response);
        return sendProblem(response, 404, 'Not found');
      }
      if (method !== 'GET' && method !== 'HEAD') return sendProblem(response, 405, 'Method not allowed');
      const file = resolve(join(root, pathname));
      if (file !== root && !file.startsWith(root + sep)) return sendProblem(response, 403, 'Forbidden');
      if (pathname !== '/' && (await sendFile(response, file, method))) return;
      if (pathname === '/' || !pathname.includes('.')) {
        if (await sendFile(response, join(root, 'index.html'), method)) return;
      }
      return sendProblem(response, 404, 'Not found');
    })().catch((error: unknown) => {
      if (!response.headersSent) sendProblem(response, 500, String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}
