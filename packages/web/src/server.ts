/**
 * The page's HTTP server: 127.0.0.1 only, every response cross-origin isolated (COOP same-origin,
 * COEP require-corp) so that onnxruntime-web can use wasm threads (SharedArrayBuffer). Requests
 * addressed to any other host name are refused (DNS rebinding), and a Content-Security-Policy
 * keeps the page to its own origin, since it shows file names the user did not write.
 *
 * Routes: `/` the page, `/app.js` its bundle, `/ort/*` onnxruntime-web's files from
 * node_modules, `/model.onnx` the --model file, `/files/*` anything under --root (images and a
 * points.csv whose paths are relative to it; hidden files and symlinks out of it are not found).
 * Nothing is fetched from elsewhere.
 */
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { UserError } from '@aae-map/shared';
import { bundlePage } from './page-bundle.ts';
import { requestPath } from './request-target.ts';
import { ortDistDir, PAGE_DIR, realPathInside, sendFile } from './static-files.ts';

export interface ServeOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 8080 */
  port?: number;
  /** Folder served under /files/: the images, and a points.csv with paths relative to it. @default '.' */
  root?: string;
  /** ONNX model from `pnpm export`, served as /model.onnx; the page also takes a dropped one. @default 'model.onnx' */
  model?: string;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8080/ */
  url: string;
  port: number;
  root: string;
  model: string;
  /** Whether the model file existed when the server started. */
  modelFound: boolean;
  close(): Promise<void>;
}

/**
 * Own origin only. 'wasm-unsafe-eval' lets onnxruntime-web compile its wasm (it fetches it and
 * its pthread workers from /ort/, same-origin, so it never needs blob: workers); blob: images
 * are dropped files' thumbnails, data: the empty favicon. Styles come from /style.css and CSSOM.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const RESPONSE_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

// Only the runtime's own files; the folder also holds .js builds and typings nobody needs.
const ORT_FILE = /^ort[\w.-]*\.(mjs|wasm|map)$/;

function notFound(res: ServerResponse, what: string): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`not found: ${what}\n`);
}

function makeHandler(appJs: string, root: string, model: string, ortDir: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = requestPath(req.url ?? '/', req.headers.host, req.socket.localPort ?? 0);
    if (path === undefined) {
      // 421 Misdirected Request: this server does not answer for that host name.
      res.writeHead(421, { 'Content-Length': 0 });
      res.end();
      return;
    }
    for (const [k, v] of Object.entries(RESPONSE_HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' });
      res.end();
      return;
    }
    res.setHeader('Cache-Control', path.startsWith('/ort/') ? 'max-age=3600' : 'no-cache');
    if (path === '/' || path === '/index.html') {
      if (!(await sendFile(res, join(PAGE_DIR, 'index.html')))) notFound(res, path);
    } else if (path === '/style.css') {
      if (!(await sendFile(res, join(PAGE_DIR, 'style.css')))) notFound(res, path);
    } else if (path === '/app.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      res.end(appJs);
    } else if (path === '/model.onnx') {
      if (!(await sendFile(res, model))) notFound(res, `${model} (start with --model FILE, or drop a model on the page)`);
    } else if (path.startsWith('/ort/')) {
      const name = path.slice('/ort/'.length);
      if (!ORT_FILE.test(name) || !(await sendFile(res, join(ortDir, name)))) notFound(res, path);
    } else if (path.startsWith('/files/')) {
      const file = await realPathInside(root, path.slice('/files/'.length));
      if (file === undefined || !(await sendFile(res, file, path))) notFound(res, path);
    } else {
      notFound(res, path);
    }
  };
}

async function checkRoot(root: string): Promise<void> {
  const s = await stat(root).catch(() => undefined);
  if (!s?.isDirectory()) throw new UserError(`--root ${root} is not a folder; pass the folder of images (and points.csv) to serve`);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        fail(new UserError(`port ${port} on 127.0.0.1 is in use; pass another --port, or --port 0 for a free one`));
      else if (err.code === 'EACCES') fail(new UserError(`not allowed to listen on port ${port}; use a port above 1023`));
      else fail(err);
    });
    server.listen(port, '127.0.0.1', () => done((server.address() as AddressInfo).port));
  });
}

/** Bundles the page and starts serving it; resolves once the port is open. */
export async function startServer(opts: ServeOptions = {}): Promise<RunningServer> {
  const port = opts.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UserError(`--port must be a whole number from 0 to 65535, got ${port}`);
  const root = resolve(opts.root ?? '.');
  const model = resolve(opts.model ?? 'model.onnx');
  await checkRoot(root);
  // Served files are compared by real path, so a root reached through a symlink must be too.
  const realRoot = await realpath(root);
  const modelFound = (await stat(model).catch(() => undefined))?.isFile() ?? false;
  const handler = makeHandler(await bundlePage(), realRoot, model, ortDistDir());
  const server = createServer((req, res) => {
    handler(req, res).catch(() => res.destroy());
  });
  const bound = await listen(server, port);
  return {
    url: `http://127.0.0.1:${bound}/`,
    port: bound,
    root,
    model,
    modelFound,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
