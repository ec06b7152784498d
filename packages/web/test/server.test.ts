/**
 * The server without a browser: isolation headers and the Content-Security-Policy on every
 * response, onnxruntime-web's files from node_modules, the served folder and nothing outside it
 * (symlinks out of it and hidden files included), requests for other host names refused, and
 * one-line errors for bad options. Also the CLI's --help.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { UserError } from '@aae-map/shared';
import { type RunningServer, startServer } from '../src/index.ts';
import { ORT_MODULE_URLS } from '../src/page-bundle.ts';

let tmp: string;
let server: RunningServer;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'web-server-'));
  await mkdir(join(tmp, 'root', 'a b'), { recursive: true });
  await writeFile(join(tmp, 'root', 'a b', 'x.png'), 'not really a png');
  await writeFile(join(tmp, 'secret.txt'), 'outside the root');
  await mkdir(join(tmp, 'etc'));
  await writeFile(join(tmp, 'etc', 'shadow'), 'outside the root');
  await symlink(join(tmp, 'etc'), join(tmp, 'root', 'etc-link'));
  await symlink(join(tmp, 'secret.txt'), join(tmp, 'root', 'secret.png'));
  await symlink('..', join(tmp, 'root', 'up'));
  await symlink('a b', join(tmp, 'root', 'pics'));
  await symlink(join(tmp, 'root', 'a b', 'x.png'), join(tmp, 'root', 'same.png'));
  await writeFile(join(tmp, 'root', '.env'), 'SECRET=outside the root');
  await mkdir(join(tmp, 'root', '.git'));
  await writeFile(join(tmp, 'root', '.git', 'config'), 'outside the root');
  await mkdir(join(tmp, 'root', 'a b', '.secret'));
  await writeFile(join(tmp, 'root', 'a b', '.secret', 'b.png'), 'outside the root');
  await symlink(join(tmp, 'root'), join(tmp, 'root-link'));
  server = await startServer({ port: 0, root: join(tmp, 'root'), model: join(tmp, 'missing.onnx') });
});
after(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** GET with the path sent exactly as written (fetch would normalise '..' away). */
function get(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port: server.port, path }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** Sends a request exactly as written (forged Host, absolute-form target) on a raw socket. */
function raw(requestLine: string, ...headers: string[]): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    let text = '';
    const socket = connect(server.port, '127.0.0.1', () =>
      socket.write([requestLine, ...headers, 'Connection: close', '', ''].join('\r\n')),
    );
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (text += c));
    socket.on('error', fail);
    socket.on('end', () =>
      done({ status: Number(/^HTTP\/1\.[01] (\d{3}) /.exec(text)?.[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) }),
    );
  });
}

test('every response is cross-origin isolated and under a same-origin CSP, the page and its bundle included', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  for (const path of ['/', '/app.js', '/style.css', '/ort/ort.min.mjs', '/files/a%20b/x.png', '/nothing']) {
    const r = await get(path);
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin', path);
    assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp', path);
    const header = String(r.headers['content-security-policy']);
    assert.doesNotMatch(header, /'unsafe-inline'|'unsafe-eval'|\*/, path);
    const csp = new Map(header.split('; ').map((d) => [d.split(' ')[0], d] as const));
    assert.equal(csp.get('default-src'), "default-src 'none'", path);
    assert.equal(csp.get('script-src'), "script-src 'self' 'wasm-unsafe-eval'", path);
    assert.equal(csp.get('style-src'), "style-src 'self'", path);
    for (const d of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'none'"])
      assert.equal(csp.get(d.split(' ')[0]), d, path);
  }
  const page = await get('/');
  assert.doesNotMatch(page.body, /https?:\/\//, 'the page names no network URL');
  // What the CSP forbids must not be in the page: inline scripts, <style> and style attributes.
  assert.deepEqual(page.body.match(/<script\b[^>]*>/g), ['<script type="module" src="/app.js">']);
  assert.doesNotMatch(page.body, /<style|\sstyle=|\son\w+=/i);
  const app = await get('/app.js');
  assert.equal(app.status, 200);
  const [wasmBuild, webGpuBuild] = [ORT_MODULE_URLS['onnxruntime-web/wasm'], ORT_MODULE_URLS['onnxruntime-web']];
  assert.ok(app.body.includes(`from "${wasmBuild}"`), "the bundle imports onnxruntime-web's wasm build from the server");
  assert.ok(app.body.includes(`import("${webGpuBuild}")`), 'and its WebGPU build when webgpu is tried');
  for (const url of [wasmBuild, webGpuBuild]) assert.equal((await get(url)).status, 200, url);
});

test("onnxruntime-web's runtime files come from node_modules, and only those", async () => {
  for (const build of ['ort-wasm-simd-threaded', 'ort-wasm-simd-threaded.jsep']) {
    const wasm = await get(`/ort/${build}.wasm`);
    assert.equal(wasm.status, 200, build);
    assert.equal(wasm.headers['content-type'], 'application/wasm', build);
    assert.equal(wasm.body.slice(0, 4), '\0asm', build);
    assert.equal((await get(`/ort/${build}.mjs`)).headers['content-type'], 'text/javascript; charset=utf-8', build);
  }
  assert.equal((await get('/ort/../package.json')).status, 404);
  assert.equal((await get('/ort/types.d.ts')).status, 404);
});

test('/files/ serves the root and refuses anything outside it', async () => {
  const ok = await get('/files/a%20b/x.png');
  assert.deepEqual([ok.status, ok.body, ok.headers['content-type']], [200, 'not really a png', 'image/png']);
  for (const path of [
    '/files/../secret.txt',
    '/files/%2e%2e/secret.txt',
    '/files/a%20b/..%2f..%2fsecret.txt',
    '/files/%00',
    '/files/%E0%A4%A',
    '/files/a%20b',
  ]) {
    const r = await get(path);
    assert.equal(r.status, 404, path);
    assert.doesNotMatch(r.body, /outside the root/, path);
  }
  const missing = await get('/model.onnx');
  assert.equal(missing.status, 404);
  assert.match(missing.body, /--model/);
  assert.equal(server.modelFound, false);
});

test('/files/ follows symlinks only while their real path stays inside the root', async () => {
  for (const path of ['/files/etc-link/shadow', '/files/secret.png', '/files/up/secret.txt', '/files/up/etc/shadow', '/files/etc-link']) {
    const r = await get(path);
    assert.equal(r.status, 404, path);
    assert.doesNotMatch(r.body, /outside the root/, path);
  }
  for (const path of ['/files/pics/x.png', '/files/same.png']) {
    const r = await get(path);
    assert.deepEqual([r.status, r.body, r.headers['content-type']], [200, 'not really a png', 'image/png'], path);
  }
  // A root reached through a symlink: its own files work, links out of it still do not.
  const viaLink = await startServer({ port: 0, root: join(tmp, 'root-link'), model: join(tmp, 'missing.onnx') });
  try {
    const ok = await fetch(`${viaLink.url}files/a%20b/x.png`);
    assert.deepEqual([ok.status, await ok.text()], [200, 'not really a png']);
    assert.equal((await fetch(`${viaLink.url}files/etc-link/shadow`)).status, 404);
  } finally {
    await viaLink.close();
  }
});

test('/files/ hides dotfiles and dot folders at any depth', async () => {
  for (const path of [
    '/files/.env',
    '/files/.git/config',
    '/files/a%20b/.secret/b.png',
    '/files/%2Eenv',
    '/files/a%20b%2F.secret%2Fb.png',
  ]) {
    const r = await get(path);
    assert.equal(r.status, 404, path);
    assert.doesNotMatch(r.body, /outside the root/, path);
  }
});

test('only requests addressed to 127.0.0.1, localhost or [::1] on our port are answered', async () => {
  const file = '/files/a%20b/x.png';
  const p = server.port;
  for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `LOCALHOST:${p}`, `[::1]:${p}`]) {
    assert.deepEqual(await raw(`GET ${file} HTTP/1.1`, `Host: ${host}`), { status: 200, body: 'not really a png' }, host);
  }
  const refused = [
    [`GET ${file} HTTP/1.1`, `Host: rebind.evil.com:${p}`],
    [`GET ${file} HTTP/1.1`, 'Host: evil.com'],
    [`GET ${file} HTTP/1.1`, `Host: 127.0.0.1:${p + 1}`],
    [`GET ${file} HTTP/1.1`, 'Host: 127.0.0.1'],
    [`GET ${file} HTTP/1.1`, `Host: localhost:${p}.evil.com`],
    [`GET ${file} HTTP/1.0`],
    [`GET http://evil.com${file} HTTP/1.1`, `Host: 127.0.0.1:${p}`],
    [`GET http://127.0.0.1:${p}@evil.com${file} HTTP/1.1`, `Host: 127.0.0.1:${p}`],
    [`GET http://127.0.0.1:${p}${file} HTTP/1.1`, 'Host: evil.com'],
  ];
  for (const [line, ...headers] of refused) assert.deepEqual(await raw(line!, ...headers), { status: 421, body: '' }, `${line} ${headers}`);
  // Node itself answers 400 (an empty chunked body) to an HTTP/1.1 request without Host.
  const noHost = await raw(`GET ${file} HTTP/1.1`);
  assert.equal(noHost.status, 400);
  assert.doesNotMatch(noHost.body, /png/);
  assert.deepEqual(await raw(`GET http://LocalHost:${p}${file} HTTP/1.1`, `Host: 127.0.0.1:${p}`), {
    status: 200,
    body: 'not really a png',
  });
});

test('bad options are UserErrors with one line that says what to do', async () => {
  await assert.rejects(
    startServer({ port: 0, root: join(tmp, 'nope') }),
    (e: unknown) => e instanceof UserError && /--root .* is not a folder/.test(e.message),
  );
  await assert.rejects(
    startServer({ port: server.port, root: tmp }),
    (e: unknown) => e instanceof UserError && /port \d+ on 127\.0\.0\.1 is in use; pass another --port, or --port 0/.test(e.message),
  );
  await assert.rejects(startServer({ port: 70000 }), (e: unknown) => e instanceof UserError && /--port must be/.test(e.message));
});

test('serve --help shows the defaults and an example', async () => {
  const cli = join(import.meta.dirname, '..', 'src', 'serve-cli.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, '--help']);
  assert.match(stdout, /--port <n>.*\(default: 8080\)/s);
  assert.match(stdout, /--model <file>.*\(default: "model\.onnx"\)/s);
  assert.match(stdout, /Example:\n {2}pnpm sample-images/);
});
