/**
 * The page's only import of onnxruntime-web. Picks the execution provider (webgpu when the
 * browser gives an adapter, else wasm with threads), and reports the one that really runs:
 * onnxruntime would otherwise fall back silently.
 *
 * Two builds of the library: wasm runs on its wasm-only build, whose plain SIMD module computes
 * the model 1.1-1.3× faster per CPU second than the WebGPU build's (docs/benchmarks.md, The
 * page's embedding) and is half its download. The WebGPU build loads only when webgpu is tried.
 */
import * as ortWasm from 'onnxruntime-web/wasm';
import { inputNameOf, type ModelInfo, type PointOutputs, UserError } from './shared.ts';

export type Provider = 'webgpu' | 'wasm';
export type ProviderChoice = 'auto' | Provider;

export interface PageSession {
  provider: Provider;
  /** wasm threads (1 without cross-origin isolation). */
  threads: number;
  /** Why `auto` did not get webgpu, if it did not. */
  note: string;
  /** Runs `count` inputs packed row-major: images of the model's size and channels (gray, or RGB interleaved), or D-D vectors. */
  run(inputs: Uint8Array | Float32Array, count: number): Promise<PointOutputs>;
  release(): Promise<void>;
}

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/** Whether navigator.gpu exists and hands out an adapter (headless or blocklisted GPUs do not). */
export async function webGpuAdapterAvailable(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

/** The note when the browser gives no WebGPU adapter. */
export const NO_ADAPTER = 'this browser has no GPU adapter for WebGPU, so this run used wasm';

type Ort = typeof ortWasm;

/**
 * A run that reads picked files one by one leaves one core to the browser, whose own threads read
 * them (about as much CPU per image as the model): on 2 cores, one model thread embedded such
 * images 10-15% faster per CPU second than two. A run that reads none (tar shards, vectors) gives
 * the model every core (docs/benchmarks.md). Up to 4; threads need SharedArrayBuffer, which needs
 * the server's COOP/COEP headers.
 */
function wasmThreads(cores: number, isolated: boolean, readsFiles: boolean): number {
  return isolated ? Math.max(1, Math.min(4, readsFiles ? cores - 1 : cores)) : 1;
}

/** The threads each build's wasm started with: it reads numThreads once, at its first session, so the first run decides. */
const startedThreads = new Map<Ort, number>();

function configured(ort: Ort): Ort {
  ort.env.wasm.wasmPaths = new URL('/ort/', location.href).href;
  return ort;
}

let webGpuBuild: Promise<Ort> | undefined;
const wasmBuild = configured(ortWasm);

function runtime(provider: Provider): Promise<Ort> {
  if (provider === 'wasm') return Promise.resolve(wasmBuild);
  webGpuBuild ??= import('onnxruntime-web').then(configured);
  return webGpuBuild;
}

async function create(
  bytes: Uint8Array,
  provider: Provider,
  readsFiles: boolean,
): Promise<{ ort: Ort; session: ortWasm.InferenceSession }> {
  const ort = await runtime(provider);
  if (!startedThreads.has(ort)) {
    ort.env.wasm.numThreads = wasmThreads(navigator.hardwareConcurrency || 1, crossOriginIsolated, readsFiles);
    startedThreads.set(ort, ort.env.wasm.numThreads);
  }
  // A copy: the caller keeps its bytes to open the model again on another provider.
  return { ort, session: await ort.InferenceSession.create(bytes.slice(), { executionProviders: [provider] }) };
}

/**
 * Opens the model on the chosen provider; `auto` falls back to wasm and says why. `readsFiles`:
 * whether the run reads picked files one by one (see wasmThreads).
 */
export async function openSession(
  bytes: Uint8Array,
  info: ModelInfo,
  name: string,
  choice: ProviderChoice,
  readsFiles: boolean,
): Promise<PageSession> {
  const noAdapter = choice !== 'wasm' && !(await webGpuAdapterAvailable());
  let provider: Provider = noAdapter ? 'wasm' : choice === 'auto' ? 'webgpu' : choice;
  // Forced or not, without an adapter onnxruntime can only fail on webgpu (with a raw error that
  // says nothing to most people); run on wasm and say why in plain words.
  let note = noAdapter ? NO_ADAPTER : '';
  let opened: Awaited<ReturnType<typeof create>>;
  try {
    opened = await create(bytes, provider, readsFiles);
  } catch (err) {
    if (choice !== 'auto' || provider === 'wasm')
      throw new UserError(`cannot run ${name} on ${provider}: ${(err as Error).message.split('\n')[0]}`);
    note = `webgpu failed: ${(err as Error).message.split('\n')[0]}`;
    provider = 'wasm';
    opened = await create(bytes, provider, readsFiles);
  }
  const { ort, session } = opened;
  const dims = (count: number) => {
    if (info.inputKind === 'features') return [count, info.inputDim];
    return info.channels === 1 ? [count, info.height, info.width] : [count, info.height, info.width, info.channels];
  };
  return {
    provider,
    threads: startedThreads.get(ort) ?? 1,
    note,
    async run(inputs, count) {
      const input =
        inputs instanceof Float32Array ? new ort.Tensor('float32', inputs, dims(count)) : new ort.Tensor('uint8', inputs, dims(count));
      const out = await session.run({ [inputNameOf(info.inputKind)]: input });
      const data = (key: string) => out[key]!.data as Float32Array;
      const result = { point: data('point'), clusterProb: data('cluster_prob'), style: data('style') };
      input.dispose();
      return result;
    },
    release: () => session.release(),
  };
}
