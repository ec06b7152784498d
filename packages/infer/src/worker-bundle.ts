/**
 * The decode worker as one plain-JS file. A worker that loads the TypeScript through tsx takes
 * about 150 ms of CPU to start, a fixed cost of every embed run; the bundle starts in about
 * 25 ms. It is built with esbuild on first use and kept in node_modules/.cache, with the
 * content hash of every source it was built from, so an edited source means a rebuild: there is
 * no build step to forget. Any failure (no esbuild, read-only folder) returns undefined and the
 * caller starts the worker through tsx instead.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomicSync } from '@aae-map/shared';

export interface BundleOptions {
  /** The worker's TypeScript entry. */
  entry: string;
  /** Where the bundle and its manifest go. */
  cacheDir: string;
  /** Packages left to node's resolution, relative to cacheDir (native code, lazily loaded). */
  external?: string[];
  /**
   * An environment variable that may name a bundle built beforehand, used as it is when the file
   * exists: a self-contained build of `embed` (scripts/device-embed-kit.mjs) has no sources to build from.
   */
  prebuiltEnv?: string;
}

interface Manifest {
  bundle: string;
  /** Absolute path → sha256 of each source the bundle was built from. */
  inputs: Record<string, string>;
}

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export const DECODE_WORKER: BundleOptions = {
  // From src/ and from the package's build in dist/ alike.
  entry: fileURLToPath(new URL('../src/decode-worker.ts', import.meta.url)),
  // Inside the package, so that node resolves sharp and pngjs (both loaded on first use, pngjs
  // through createRequire, which esbuild leaves alone) from the package's dependencies.
  cacheDir: join(PACKAGE_DIR, 'node_modules', '.cache', 'aae-map'),
  external: ['sharp'],
  prebuiltEnv: 'AAE_DECODE_WORKER',
};

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

const bundlePath = (o: BundleOptions) => join(o.cacheDir, `${basename(o.entry, '.ts')}.cjs`);

function fresh(o: BundleOptions, manifestFile: string): string | undefined {
  try {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    if (m.bundle !== bundlePath(o)) return undefined; // built by an older version, in another format
    for (const [file, hash] of Object.entries(m.inputs)) if (sha256(file) !== hash) return undefined;
    return existsSync(m.bundle) ? m.bundle : undefined;
  } catch {
    return undefined; // no manifest yet, or a source was removed
  }
}

/** esbuild loads only to build: where it is missing (a self-contained build of embed), build() fails and workerBundle() says undefined. */
const loadEsbuild = (): typeof import('esbuild') => createRequire(import.meta.url)('esbuild') as typeof import('esbuild');

function build(o: BundleOptions, manifestFile: string): string {
  const cwd = dirname(o.entry);
  const result = loadEsbuild().buildSync({
    absWorkingDir: cwd,
    entryPoints: [o.entry],
    bundle: true,
    // CommonJS: a worker loads a .cjs file in ~22 ms and a .mjs in ~28 (ES module loader set-up).
    format: 'cjs',
    // The sources resolve optional packages with createRequire(import.meta.url).
    define: { 'import.meta.url': '__bundle_url' },
    banner: { js: 'const __bundle_url = require("node:url").pathToFileURL(__filename).href;' },
    platform: 'node',
    target: 'node20',
    external: o.external ?? [],
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const inputs: Record<string, string> = {};
  for (const rel of Object.keys(result.metafile.inputs)) {
    const file = resolve(cwd, rel);
    inputs[file] = sha256(file);
  }
  // One name, replaced atomically: a run starting meanwhile loads the old bundle or the new one.
  const bundle = bundlePath(o);
  writeFileAtomicSync(bundle, result.outputFiles[0]!.text);
  writeFileAtomicSync(manifestFile, JSON.stringify({ bundle, inputs } satisfies Manifest));
  return bundle;
}

/** The bundle's path, built now if missing or older than its sources; undefined if it cannot be. */
export function workerBundle(o: BundleOptions = DECODE_WORKER): string | undefined {
  const prebuilt = o.prebuiltEnv ? process.env[o.prebuiltEnv] : undefined;
  if (prebuilt && existsSync(prebuilt)) return prebuilt;
  const manifestFile = join(o.cacheDir, `${basename(o.entry, '.ts')}.json`);
  const cached = fresh(o, manifestFile);
  if (cached) return cached;
  try {
    return build(o, manifestFile);
  } catch {
    return undefined;
  }
}
