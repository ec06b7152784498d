/**
 * Finding the files the server may send: the page's own assets, onnxruntime-web's dist folder,
 * and files under the served root. Every lookup refuses paths that climb out of their folder;
 * under the root, also paths whose real location (symlinks followed) is outside it, and hidden
 * files and folders.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// From src/ and from the build in dist/ alike: the page's files are not copied into the build.
export const PAGE_DIR = fileURLToPath(new URL('../src/page/', import.meta.url));

/** onnxruntime-web's dist folder (ort.min.mjs, the wasm glue .mjs and the .wasm files). */
export function ortDistDir(): string {
  // The package exports its wasm files but not package.json; any of them locates the folder.
  return dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.csv': 'text/csv; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.svg': 'image/svg+xml',
};

export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Whether absolute path `path` lies below folder `dir` (not `dir` itself). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Resolves a URL path (already stripped of its route prefix) inside `dir`, or returns undefined
 * when it is malformed, escapes `dir`, or names a hidden file or folder (.env, .git/config):
 * those hold secrets, never images.
 */
export function resolveInside(dir: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.split(/[\\/]/).some((s) => s.startsWith('.'))) return undefined;
  const base = resolve(dir);
  const full = resolve(base, `.${sep}${decoded}`);
  return isInside(base, full) ? full : undefined;
}

/**
 * Like resolveInside, and then follows symlinks: the real path of the file, or undefined when
 * it does not exist or lies outside `realDir` (which must itself be a real path). A link that
 * stays inside the folder works; one to /etc does not.
 */
export async function realPathInside(realDir: string, urlPath: string): Promise<string | undefined> {
  const file = resolveInside(realDir, urlPath);
  const real = file === undefined ? undefined : await realpath(file).catch(() => undefined);
  return real !== undefined && isInside(realDir, real) ? real : undefined;
}

/**
 * Streams a regular file, typed by `name` (the name asked for: a link's target may be named by
 * its hash, as in git-annex); false when there is no such file.
 */
export async function sendFile(res: ServerResponse, file: string, name = file): Promise<boolean> {
  try {
    const s = await stat(file);
    if (!s.isFile()) return false;
    res.writeHead(200, { 'Content-Type': contentType(name), 'Content-Length': s.size });
  } catch {
    return false;
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(file);
    stream.on('error', () => {
      res.destroy();
      done();
    });
    stream.on('end', done);
    stream.pipe(res);
  });
  return true;
}
