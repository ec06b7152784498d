/**
 * The only file that imports tfjs backends. tfjs-node(-gpu) download libtensorflow at install
 * time, which fails offline and may leave a broken package behind, so they load through a
 * guarded dynamic import and `auto` falls back to wasm, then cpu. `auto` takes webgpu (with the
 * GPU-resident step, step/gpu-stepper.ts) only when the adapter is a real GPU.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node build registers no op gradients; the @tensorflow/tfjs bundle registers them
// all (its ESM file that does only that uses directory imports, which Node's ESM loader rejects).
import '@tensorflow/tfjs';
import { firstLine, UserError, VULKAN_HOW_TO } from '@aae-map/shared';
import { BACKENDS, type BackendName } from './backend-names.ts';
import { wasmView } from './kernels/wasm-internals.ts';

export { BACKENDS, type BackendName };

export interface BackendChoice {
  /** The backend that runs: 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  name: string;
  /** Why this one: what loaded, and why the ones tried before it did not. */
  reason: string;
}

type Concrete = Exclude<BackendName, 'auto'>;

const HOW_TO_INSTALL: Record<Concrete, string> = {
  'tensorflow-gpu':
    'on a machine with internet, an NVIDIA GPU, CUDA 11.x and cuDNN 8, run: pnpm --filter @aae-map/train rebuild @tensorflow/tfjs-node-gpu (its install script downloads libtensorflow)',
  tensorflow:
    'on a machine with internet run: pnpm --filter @aae-map/train rebuild @tensorflow/tfjs-node (its install script downloads libtensorflow)',
  webgpu: `it needs a Vulkan driver: ${VULKAN_HOW_TO}`,
  wasm: 'run pnpm install (it provides @tensorflow/tfjs-backend-wasm)',
  cpu: 'run pnpm install (it provides @tensorflow/tfjs-backend-cpu)',
};

const shortLine = (err: unknown) => firstLine(err).slice(0, 200);

/**
 * Whether a tfjs-node package has its native binding. Checked before importing, because a
 * failed import has already registered hundreds of kernels (and logs a warning for each).
 */
function nativeBindingMissing(pkg: string): string | undefined {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    return `${pkg} is not installed`;
  }
  const lib = join(dir, 'lib');
  const found = existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
  return found ? undefined : `${pkg} has no native binding (libtensorflow was not downloaded at install time)`;
}

/**
 * Emscripten's wasm loader installs process handlers that rethrow every uncaught error, which
 * makes Node print a line of minified source instead of the error; drop the ones it added.
 */
async function withoutAddedProcessHandlers<T>(load: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = events.map((e) => new Set(process.listeners(e as 'uncaughtException')));
  try {
    return await load();
  } finally {
    events.forEach((e, i) => {
      for (const l of process.listeners(e as 'uncaughtException')) if (!before[i]!.has(l)) process.removeListener(e, l);
    });
  }
}

/** Loads and activates one backend; returns an error message instead of throwing. `auto` takes webgpu only on a real GPU. */
async function tryBackend(name: Concrete, auto = false): Promise<string | undefined> {
  return withoutAddedProcessHandlers(() => (name === 'webgpu' ? loadWebgpu(auto) : loadBackend(name)));
}

/**
 * Dawn's GPU object, made once per process: tfjs keeps the device of the first one it was given,
 * and a second selection that dropped the first let the collector free it under that device (the
 * process aborted).
 */
let dawnGpu: ReturnType<typeof import('webgpu').create> | undefined;

/** The WebGPU adapter that loaded, for the reason line. */
let adapterDescription = '';

/** What a WebGPU adapter says it is (GPUAdapterInfo, as far as it is used here). */
export interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** Dawn sets it for CPU adapters (SwiftShader). */
  isFallbackAdapter?: boolean;
}

/** Software rasterizers that present themselves as Vulkan GPUs: Chromium's SwiftShader, Mesa's lavapipe (llvmpipe) and softpipe. */
const SOFTWARE = /swiftshader|lavapipe|llvmpipe|softpipe/i;

/** Whether an adapter is a CPU emulating a GPU (on which the wasm backend trains faster). */
export function isSoftwareAdapter(info: AdapterInfo): boolean {
  return (
    info.isFallbackAdapter === true || [info.vendor, info.architecture, info.device, info.description].some((s) => s && SOFTWARE.test(s))
  );
}

export const describeAdapter = (i: AdapterInfo): string =>
  [i.vendor, i.architecture, i.description].filter((s) => s).join(' ') || 'an adapter without a description';

/** The system's Vulkan loader; Dawn prints a warning of its own when there is none, so `auto` looks first. */
function vulkanLoaderMissing(): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':'),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib',
    '/lib',
  ];
  return !dirs.some((d) => d && existsSync(join(d, 'libvulkan.so.1')));
}

/**
 * tfjs-backend-webgpu on Dawn (the `webgpu` package), which gives Node a navigator.gpu through
 * Vulkan: a GPU, or SwiftShader's software one (tests). With `gpuOnly` (auto), a software
 * adapter is refused with the reason.
 */
async function loadWebgpu(gpuOnly = false): Promise<string | undefined> {
  try {
    if (gpuOnly && vulkanLoaderMissing()) return 'no Vulkan loader (libvulkan.so.1)';
    const dawn = await import('webgpu');
    Object.assign(globalThis, dawn.globals);
    dawnGpu ??= dawn.create([]);
    const gpu = dawnGpu;
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return 'no WebGPU adapter (no Vulkan driver found)';
    const info: AdapterInfo = adapter.info ?? {};
    if (gpuOnly && isSoftwareAdapter(info)) return `the adapter, ${describeAdapter(info)}, is a software rasterizer: wasm trains faster`;
    adapterDescription = describeAdapter(info);
    const nav = (globalThis as { navigator?: object }).navigator;
    if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) return `tf.setBackend('webgpu') failed`;
    await tf.ready();
    return undefined;
  } catch (err) {
    return shortLine(err);
  }
}

async function loadBackend(name: Exclude<Concrete, 'webgpu'>): Promise<string | undefined> {
  const missing =
    name === 'tensorflow-gpu'
      ? nativeBindingMissing('@tensorflow/tfjs-node-gpu')
      : name === 'tensorflow'
        ? nativeBindingMissing('@tensorflow/tfjs-node')
        : undefined;
  if (missing) return missing;
  try {
    if (name === 'tensorflow-gpu') await import('@tensorflow/tfjs-node-gpu');
    else if (name === 'tensorflow') await import('@tensorflow/tfjs-node');
    else if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    else await import('@tensorflow/tfjs-backend-cpu');
    // tfjs-node and tfjs-node-gpu both register their backend as 'tensorflow'.
    const registered = name === 'tensorflow-gpu' ? 'tensorflow' : name;
    if (!(await tf.setBackend(registered))) return `tf.setBackend('${registered}') failed`;
    await tf.ready();
    return undefined;
  } catch (err) {
    return shortLine(err);
  }
}

/**
 * Activates a tfjs backend. `auto` tries tensorflow-gpu, tensorflow, webgpu on a real GPU
 * (not a software rasterizer), wasm, then cpu and says
 * why it settled where it did; a forced backend that cannot load throws a one-line UserError
 * saying how to install it.
 */
export async function selectBackend(name: BackendName): Promise<BackendChoice> {
  active = await choose(name);
  return active;
}

let active: BackendChoice | undefined;

/** The backend chosen by the last selectBackend call, or `auto`'s choice if there was none. */
export async function ensureBackend(): Promise<BackendChoice> {
  return active ?? selectBackend('auto');
}

async function choose(name: BackendName): Promise<BackendChoice> {
  if (!BACKENDS.includes(name)) throw new UserError(`unknown backend '${name}'; use one of ${BACKENDS.join(', ')}`);
  if (name !== 'auto') {
    const err = await tryBackend(name);
    if (err) throw new UserError(`backend ${name} could not load (${err}); ${HOW_TO_INSTALL[name]}`);
    return { name, reason: `forced with --backend ${name}` };
  }
  const skipped: string[] = [];
  for (const candidate of ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const) {
    const err = await tryBackend(candidate, true);
    if (!err) {
      const why = skipped.length ? `; skipped ${skipped.join('; ')}` : '';
      const on = candidate === 'webgpu' ? ` (a GPU: ${adapterDescription})` : '';
      return { name: candidate, reason: `auto picked the first backend that loads${on}${why}` };
    }
    skipped.push(`${candidate} (${err})`);
  }
  throw new UserError(`no tfjs backend could load: ${skipped.join('; ')}; run pnpm install`);
}

/**
 * Copies float32 tensors' values into `dsts`. On wasm it reads the backend's memory directly:
 * dataSync would allocate a fresh array (zeroed, page-faulted) and copy twice, and this machine
 * is memory-bandwidth bound. WebGPU can only read asynchronously; the others use dataSync.
 */
export async function readInto(tensors: tf.Tensor[], dsts: Float32Array[]): Promise<void> {
  const name = tf.getBackend();
  if (name === 'webgpu') {
    const values = await Promise.all(tensors.map((t) => t.data()));
    values.forEach((v, i) => {
      dsts[i]!.set(v as Float32Array);
    });
    return;
  }
  const view = name === 'wasm' ? wasmView(tf.backend()) : undefined;
  tensors.forEach((t, i) => {
    const offset = view?.offsetOf(t.dataId);
    if (view && offset !== undefined && t.dtype === 'float32') {
      const start = offset / 4;
      dsts[i]!.set(view.heapF32().subarray(start, start + t.size));
    } else {
      dsts[i]!.set(t.dataSync() as Float32Array);
    }
  });
}
