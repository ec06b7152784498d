/**
 * `matMul2d`: the dense layers' product of two float32 matrices, the first optionally stored
 * transposed (so one copy of each kernel serves both directions). On tfjs-wasm it is the op
 * 'AaeMatMul' (registered with its gradient, so it also works under a tape), run by one of two
 * kernels that `selectGemm` picks for the process: onnxruntime's native CPU kernels
 * (native-gemm.ts), or the generated wasm SIMD kernels of simd-gemm.ts. On other backends it is
 * tf.matMul.
 */
import { UserError } from '@aae-map/shared';
import * as tf from '@tensorflow/tfjs-core';
import type { GemmName } from '../backend-names.ts';
import { NativeGemm } from './native-gemm.ts';
import { GemmKernels, scratchBytes } from './simd-gemm.ts';
import { type WasmView, wasmView } from './wasm-internals.ts';

const KERNEL = 'AaeMatMul';

/** Set by selectGemm; undefined runs the wasm kernels. */
let native: NativeGemm | undefined;
let loaded: NativeGemm | undefined;

/**
 * onnxruntime is used for products with at least this inner dimension. Each call has a fixed cost
 * (30–90 µs), and onnxruntime-node also copies the output into a new JS buffer after writing it in
 * place: both weigh against the m·k·n work by 1/k. Below it run the heads' input gradients, the
 * discriminators' first layers and the weight gradients (k is the replica's share of the batch),
 * where onnxruntime gained nothing in the training step.
 */
const NATIVE_MIN_K = 128;

export interface GemmChoice {
  name: Exclude<GemmName, 'auto'>;
  /** Why this one, for the log. */
  reason: string;
}

/**
 * Picks the products' kernels for this process (each replica worker picks the main thread's).
 * `auto` takes onnxruntime's when onnxruntime-node loads: they use the CPU's full vector width
 * (AVX-512 or AVX2), where wasm SIMD has 128 bits. Until this is called, the wasm kernels run.
 */
export function selectGemm(name: GemmName): GemmChoice {
  native = undefined;
  if (name === 'wasm') return { name, reason: 'forced with --gemm wasm' };
  try {
    loaded ??= NativeGemm.load();
  } catch (err) {
    const why = String((err as Error)?.message ?? err).split('\n')[0];
    if (name === 'onnxruntime')
      throw new UserError(`--gemm onnxruntime: onnxruntime-node could not load (${why}); run pnpm install, or use --gemm wasm`);
    return { name: 'wasm', reason: `auto: onnxruntime-node did not load (${why})` };
  }
  native = loaded;
  const reason = name === 'auto' ? "auto: onnxruntime-node's native CPU kernels loaded" : 'forced with --gemm onnxruntime';
  return { name: 'onnxruntime', reason };
}

/** The kernels selectGemm picked, for replica workers to pick the same. */
export const activeGemm = (): GemmChoice['name'] => (native ? 'onnxruntime' : 'wasm');

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
    if (native && shape.k >= NATIVE_MIN_K) {
      native.run(shape, view.heapF32(), offset(a), offset(b), offset(out));
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
