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
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { brotli, bundleInto, copyMnist, finishKit, ROOT } from './device-kit-common.mjs';

const KIT = join(ROOT, '.device-kit');
const TRAIN = join(ROOT, 'packages', 'train');
const require = createRequire(join(TRAIN, 'package.json'));
const DEBS = ['libvulkan1', 'libglvnd0', 'libglx0', 'libegl1', 'libgfortran5', 'libquadmath0'];
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0';

rmSync(KIT, { recursive: true, force: true });
mkdirSync(KIT, { recursive: true });

await bundleInto(
  KIT,
  {
    train: join(TRAIN, 'src', 'cli.ts'),
    'train-bench': join(TRAIN, 'bench', 'train-bench.ts'),
    // parallel-stepper starts `./replica-worker.js` beside a built entry.
    'replica-worker': join(TRAIN, 'src', 'step', 'replica-worker.ts'),
  },
  ['webgpu', 'koffi', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
);

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

copyMnist(KIT);
if (!existsSync(OPENBLAS)) throw new Error(`${OPENBLAS} is missing: apt-get install libopenblas0-pthread`);
mkdirSync(join(KIT, 'lib'));
writeFileSync(join(KIT, 'lib', 'libopenblas.so.0.br'), brotli(readFileSync(OPENBLAS)));

finishKit(KIT, DEBS, 'device-run.sh');
