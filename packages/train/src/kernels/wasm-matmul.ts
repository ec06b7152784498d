/**
 * `matMul2d`: the dense layers' product of two float32 matrices, the first optionally stored
 * transposed (so one copy of each kernel serves both directions). On tfjs-wasm it is the op
 * 'AaeMatMul' (registered with its gradient, so it also works under a tape), run by the kernels
 * that `selectGemm` picks for the process: the system's OpenBLAS (blas-gemm.ts), onnxruntime's
 * native CPU kernels (native-gemm.ts), or the generated wasm SIMD kernels of simd-gemm.ts. On
 * other backends it is tf.matMul.
 */
import { firstLine, UserError } from '@aae-map/shared';
import * as tf from '@tensorflow/tfjs-core';
import type { GemmName } from '../backend-names.ts';
import { BlasGemm } from './blas-gemm.ts';
import { NativeGemm } from './native-gemm.ts';
import { GemmKernels, type GemmShape, scratchBytes } from './simd-gemm.ts';
import { type WasmView, wasmView } from './wasm-internals.ts';

const KERNEL = 'AaeMatMul';

/** Native products on views of tfjs-wasm's memory: OpenBLAS (blas-gemm.ts) or onnxruntime (native-gemm.ts). */
interface NativeProducts {
  run(shape: GemmShape, a: Float32Array, b: Float32Array, c: Float32Array): void;
}

/** Set by selectGemm; undefined runs the wasm kernels. */
let native: { name: 'openblas' | 'onnxruntime'; kernel: NativeProducts; minK: number } | undefined;
const loaded: { openblas?: BlasGemm; onnxruntime?: NativeGemm } = {};

/**
 * onnxruntime is used for products with at least this inner dimension. Each call has a fixed cost
 * (30–90 µs), and onnxruntime-node also copies the output into a new JS buffer after writing it in
 * place: both weigh against the m·k·n work by 1/k. Below it run the heads' input gradients, the
 * discriminators' first layers and the weight gradients (k is the replica's share of the batch),
 * where onnxruntime gained nothing in the training step. OpenBLAS writes in place and costs about
 * half a microsecond a call, so it takes every product.
 */
const ONNXRUNTIME_MIN_K = 128;

export interface GemmChoice {
  name: Exclude<GemmName, 'auto'>;
  /** Why this one, for the log. */
  reason: string;
}

/** Loads (once) the native kernels `name`; the reason they cannot load, otherwise. */
function load(name: 'openblas' | 'onnxruntime'): NativeProducts | string {
  try {
    if (name === 'openblas') {
      loaded.openblas ??= BlasGemm.load();
      return loaded.openblas;
    }
    loaded.onnxruntime ??= NativeGemm.load();
    return loaded.onnxruntime;
  } catch (err) {
    // OpenBLAS's message says how to install it; onnxruntime-node comes with pnpm install.
    return name === 'openblas' ? firstLine(err) : `onnxruntime-node could not load (${firstLine(err)}); run pnpm install`;
  }
}

/**
 * Picks the products' kernels for this process (each replica worker picks the main thread's).
 * `auto` takes OpenBLAS where it is installed, else onnxruntime's when onnxruntime-node loads:
 * both use the CPU's full vector width (AVX-512 or AVX2), where wasm SIMD has 128 bits; OpenBLAS
 * runs these shapes faster and writes its output in place. Until this is called, the wasm kernels run.
 */
export function selectGemm(name: GemmName): GemmChoice {
  native = undefined;
  if (name === 'wasm') return { name, reason: 'forced with --gemm wasm' };
  const tried: string[] = [];
  for (const candidate of name === 'auto' ? (['openblas', 'onnxruntime'] as const) : [name]) {
    const kernel = load(candidate);
    if (typeof kernel === 'string') {
      if (name !== 'auto') throw new UserError(`--gemm ${name}: ${kernel}, or use --gemm auto`);
      tried.push(`${candidate}: ${kernel}`);
      continue;
    }
    native = { name: candidate, kernel, minK: candidate === 'onnxruntime' ? ONNXRUNTIME_MIN_K : 0 };
    const what = candidate === 'openblas' ? `OpenBLAS (${loaded.openblas!.path})` : "onnxruntime-node's native CPU kernels";
    const reason = name === 'auto' ? `auto: ${what} loaded${tried.length ? ` (${tried.join('; ')})` : ''}` : `forced with --gemm ${name}`;
    return { name: candidate, reason };
  }
  return { name: 'wasm', reason: `auto: no native kernels loaded (${tried.join('; ')})` };
}

/**
 * Runs `work` with OpenBLAS's products on `cores` threads, then back on one: for products made
 * while no replica trains (the neighbour search before the first iteration). The count is the
 * process's, shared by every thread. Other kernels run as they are.
 */
export async function withCores<T>(cores: number, work: () => Promise<T>): Promise<T> {
  const set = native?.name === 'openblas' ? loaded.openblas?.setThreads : undefined;
  set?.(cores);
  try {
    return await work();
  } finally {
    set?.(1);
  }
}

/** The kernels selectGemm picked, for replica workers to pick the same. */
export const activeGemm = (): GemmChoice['name'] => native?.name ?? 'wasm';

const byMemory = new WeakMap<WebAssembly.Memory, GemmKernels>();

function kernelsOf(view: WasmView | undefined): GemmKernels | undefined {
  if (!view) return undefined;
  const { memory } = view;
  let kernels = byMemory.get(memory);
  if (!kernels) {
    kernels = new GemmKernels(memory);
    byMemory.set(memory, kernels);
  }
  return kernels;
}

/** tfjs-wasm's own BatchMatMul, for inputs the generated kernels do not take. */
function fallback(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }, transposeA: boolean): tf.TensorInfo {
  const own = tf.getKernel('BatchMatMul', 'wasm')!;
  return own.kernelFunc({ ...args, attrs: { transposeA, transposeB: false } }) as tf.TensorInfo;
}

tf.registerKernel({
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const { inputs } = args;
    const backend = args.backend as tf.KernelBackend;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const transposeA = (args.attrs as { transposeA?: boolean } | undefined)?.transposeA ?? false;
    const view = wasmView(backend);
    const kernels = kernelsOf(view);
    if (!view || !kernels || a.dtype !== 'float32' || b.dtype !== 'float32') return fallback({ inputs, backend }, transposeA);
    const [m, k] = transposeA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const shape = { m, k, n: b.shape[1]!, transposeA };
    const out = view.makeOutput([shape.m, shape.n], 'float32');
    const offset = (t: tf.TensorInfo) => view.offsetOf(t.dataId)!;
    if (native && shape.k >= native.minK) {
      const heap = view.heapF32();
      const at = (t: tf.TensorInfo, length: number) => heap.subarray(offset(t) / 4, offset(t) / 4 + length);
      native.kernel.run(shape, at(a, m * k), at(b, k * shape.n), at(out, m * shape.n));
      return out;
    }
    // Where the kernel packs B: a tensor's memory, so tfjs's allocator places and frees it.
    const scratch = view.makeOutput([scratchBytes(shape) / 4], 'float32');
    const done = kernels.run(shape, offset(a), offset(b), offset(out), offset(scratch));
    backend.disposeData(scratch.dataId);
    if (done) return out;
    backend.disposeData(out.dataId);
    return fallback({ inputs, backend }, transposeA);
  },
});

tf.registerGradient({
  kernelName: KERNEL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as [tf.Tensor2D, tf.Tensor2D];
    const d = dy as tf.Tensor2D;
    // C = Aᵀ·B: dA = B·dCᵀ, dB = A·dC. C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC.
    if ((attrs as { transposeA?: boolean }).transposeA) return { a: () => tf.matMul(b, d, false, true), b: () => tf.matMul(a, d) };
    return { a: () => tf.matMul(d, b, false, true), b: () => tf.matMul(a, d, true, false) };
  },
});

/** a [m, k] · b [k, n] → [m, n]; with `transposeA`, a is stored as [k, m] and aᵀ·b is returned. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA);
  if (a.shape[transposeA ? 0 : 1] !== b.shape[0])
    throw new Error(`matMul2d: inner dimensions differ (${a.shape}${transposeA ? 'ᵀ' : ''} · ${b.shape})`);
  return tf.engine().runKernel(KERNEL, { a, b }, { transposeA }) as tf.Tensor2D;
}
