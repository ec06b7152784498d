/**
 * The only file that imports onnxruntime-node. Everything else uses `EmbedModel`, so swapping
 * the runtime touches this file alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inputNameOf, inputValues, type ModelInfo, readModelInfo, UserError, VULKAN_HOW_TO } from '@aae-map/shared';
import * as ort from 'onnxruntime-node';

import { DEVICES, type Device } from './devices.ts';
import { unreadableModel } from './run-meta.ts';

export { DEVICES, type Device };

export interface ModelOutputs {
  /** [N, 2] */
  point: Float32Array;
  /** [N, n] */
  clusterProb: Float32Array;
  /** [N, d] */
  style: Float32Array;
  /** [N, d] */
  representation: Float32Array;
}

export interface EmbedModel {
  info: ModelInfo;
  /** The execution provider that actually runs the graph. */
  provider: 'cpu' | 'cuda' | 'webgpu';
  /** The threads of run(..., { wide: true }), where it has threads of its own (see OpenOptions.wideThreads). */
  wideThreads: number | undefined;
  /**
   * Runs `count` uint8 images of info.height x info.width (x 3 for an RGB model), or for a
   * feature model `count` float32 vectors of info.inputDim, packed row-major; with `wide`, on
   * OpenOptions.wideThreads threads where there are such (same outputs, up to float rounding).
   */
  run(images: Uint8Array | Float32Array, count: number, opts?: { wide?: boolean }): Promise<ModelOutputs>;
  /**
   * Starts opening the wide session in the background, where there is one to open; until it is
   * open, run(..., { wide: true }) uses the narrow one. The promise says when it is open.
   */
  prepareWide(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** @default 'auto' (cuda when its providers load, else cpu) */
  device?: Device;
  /** Intra-op threads for the cpu provider; 0 lets onnxruntime choose. @default 0 */
  threads?: number;
  /**
   * Whether onnxruntime's idle threads spin while they wait for work (with 2 or more threads).
   * Spinning is faster when the model has the cores to itself (2 threads alone here: 270 ms per
   * 20,000 images against 285) and slower when other threads need them: embed on 2 cores with
   * 2 onnxruntime threads beside its decoder ran at ~28,000 files/s spinning, ~33,700 not.
   * @default true
   */
  spin?: boolean;
  /**
   * On the cpu provider, also open the model on this many threads, for run(..., { wide: true }):
   * embed runs its last batches there, once its decoders are idle and their cores free. It is
   * opened on prepareWide(), not here: a second session costs as much again to open (~80 ms for
   * the default model), which a run of one batch would pay for nothing.
   * Ignored unless above `threads` (and `threads` above 0). @default undefined (none)
   */
  wideThreads?: number;
}

type CpuOptions = Required<Pick<OpenOptions, 'threads' | 'spin'>>;

const HOW_TO: Record<'cuda' | 'webgpu', string> = {
  cuda: 'install the CUDA 12 providers on a machine with internet: ONNXRUNTIME_NODE_INSTALL=cuda12 pnpm rebuild onnxruntime-node (needs an NVIDIA GPU with CUDA 12 and cuDNN 9)',
  webgpu: `WebGPU needs a Vulkan driver: ${VULKAN_HOW_TO}`,
};

async function createSession(bytes: Uint8Array, provider: 'cpu' | 'cuda' | 'webgpu', cpu: CpuOptions) {
  const opts: ort.InferenceSession.SessionOptions = { executionProviders: [provider] };
  if (cpu.threads > 0) opts.intraOpNumThreads = cpu.threads;
  if (!cpu.spin) opts.extra = { session: { intra_op: { allow_spinning: '0' } } };
  return ort.InferenceSession.create(bytes, opts);
}

/**
 * Whether onnxruntime-node's CUDA provider library was installed (it is downloaded by the
 * package's install script only on request). Without it a cuda session cannot load, and trying
 * makes onnxruntime print an error log, so we do not try.
 */
export function cudaProvidersInstalled(): boolean {
  const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return existsSync(join(pkg, 'bin', 'napi-v6', process.platform, process.arch, lib));
}

/** Turns `--device` into a session, reporting the provider that really runs. */
async function sessionFor(bytes: Uint8Array, device: Device, cpu: CpuOptions) {
  if (!DEVICES.includes(device)) throw new UserError(`unknown device '${device}'; use one of ${DEVICES.join(', ')}`);
  if (device === 'cuda' && !cudaProvidersInstalled()) {
    throw new UserError(`device 'cuda' is not available (onnxruntime-node was installed without its CUDA providers); ${HOW_TO.cuda}`);
  }
  if (device === 'auto') {
    if (!cudaProvidersInstalled()) return { session: await createSession(bytes, 'cpu', cpu), provider: 'cpu' as const };
    try {
      return { session: await createSession(bytes, 'cuda', cpu), provider: 'cuda' as const };
    } catch {
      return { session: await createSession(bytes, 'cpu', cpu), provider: 'cpu' as const };
    }
  }
  try {
    return { session: await createSession(bytes, device, cpu), provider: device };
  } catch (err) {
    if (device === 'cpu') throw err;
    // onnxruntime prefixes its own source location; keep the part a user can act on.
    const first = (err as Error).message.split('\n')[0]!.replace(/^.*?(Failed to)/, '$1');
    throw new UserError(`device '${device}' is not available (${first}); ${HOW_TO[device]}`);
  }
}

/**
 * Images per onnxruntime call on the cpu provider. Its activations then stay in L2: with the
 * default model on one thread here, 43,900 images/s at 256 against 40,500 at 1024 and 37,900
 * at 4096 (embed: 32,800 files/s against 30,400 with whole batches of 1024, medians of 9 runs).
 * GPUs want big batches, so theirs go whole.
 */
export const CPU_CHUNK = 256;

/** Runs `count` images `size` at a time and joins the outputs row-wise. */
async function inChunks(count: number, size: number, run: (from: number, n: number) => Promise<ModelOutputs>): Promise<ModelOutputs> {
  let joined: ModelOutputs | undefined;
  for (let from = 0; from < count; from += size) {
    const n = Math.min(size, count - from);
    const part = await run(from, n);
    joined ??= {
      point: new Float32Array((count * part.point.length) / n),
      clusterProb: new Float32Array((count * part.clusterProb.length) / n),
      style: new Float32Array((count * part.style.length) / n),
      representation: new Float32Array((count * part.representation.length) / n),
    };
    for (const k of ['point', 'clusterProb', 'style', 'representation'] as const) joined[k].set(part[k], (from * part[k].length) / n);
  }
  return joined!;
}

export async function openModel(file: string, opts: OpenOptions = {}): Promise<EmbedModel> {
  let bytes: Uint8Array;
  try {
    // In one read: the promise form reads 512 KB at a time through the thread pool, 14-30 ms for
    // a 7 MB model beside a starting decode worker, against ~3 ms. A Buffer is a Uint8Array: no copy.
    bytes = readFileSync(file);
  } catch (err) {
    throw unreadableModel(file, err);
  }
  // Before any session: a model whose metadata disagrees with its graph stops here, with the key.
  const info = readModelInfo(bytes, file);
  const threads = opts.threads ?? 0;
  const spin = opts.spin ?? true;
  const { session, provider } = await sessionFor(bytes, opts.device ?? 'auto', { threads, spin });
  const widen = provider === 'cpu' && threads > 0 && (opts.wideThreads ?? 0) > threads;
  let wide: Awaited<ReturnType<typeof createSession>> | undefined;
  let opening: Promise<void> | undefined;
  const pixels = inputValues(info);
  const inputName = inputNameOf(info.inputKind);
  const tensor = (part: Uint8Array | Float32Array, n: number) => {
    if (info.inputKind === 'features') {
      if (!(part instanceof Float32Array)) throw new Error(`${file} takes float32 feature vectors, not bytes`);
      return new ort.Tensor('float32', part, [n, info.inputDim]);
    }
    if (!(part instanceof Uint8Array)) throw new Error(`${file} takes uint8 pixels, not floats`);
    const dims = info.channels === 1 ? [n, info.height, info.width] : [n, info.height, info.width, info.channels];
    return new ort.Tensor('uint8', part, dims);
  };
  return {
    info,
    provider,
    wideThreads: widen ? opts.wideThreads : undefined,
    prepareWide() {
      if (widen)
        opening ??= createSession(bytes, 'cpu', { threads: opts.wideThreads!, spin }).then((s) => {
          wide = s;
        });
      return opening ?? Promise.resolve();
    },
    async run(images, count, runOpts = {}) {
      if (images.length !== count * pixels) throw new Error(`expected ${count * pixels} values for ${count} inputs, got ${images.length}`);
      const s = (runOpts.wide && wide) || session;
      const once = async (part: Uint8Array | Float32Array, n: number): Promise<ModelOutputs> => {
        const out = await s.run({ [inputName]: tensor(part, n) });
        const f = (name: string) => out[name]!.data as Float32Array;
        return { point: f('point'), clusterProb: f('cluster_prob'), style: f('style'), representation: f('representation') };
      };
      if (provider !== 'cpu' || count <= CPU_CHUNK) return once(images, count);
      return inChunks(count, CPU_CHUNK, (from, n) => once(images.subarray(from * pixels, (from + n) * pixels), n));
    },
    close: async () => {
      await session.release();
      await opening?.catch(() => undefined);
      await wide?.release();
    },
  };
}
