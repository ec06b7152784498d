/**
 * `matMul2d`: the dense layers' product of two float32 matrices. On tfjs-wasm it runs the
 * generated SIMD kernels of simd-gemm.ts, registered as the op 'AaeMatMul' (with its gradient,
 * so it also works under a tape); on other backends it is tf.matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GemmKernels, scratchBytes } from './simd-gemm.ts';
import { type WasmView, wasmView } from './wasm-internals.ts';

const KERNEL = 'AaeMatMul';

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
function fallback(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): tf.TensorInfo {
  const own = tf.getKernel('BatchMatMul', 'wasm')!;
  return own.kernelFunc({ ...args, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
}

tf.registerKernel({
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const { inputs } = args;
    const backend = args.backend as tf.KernelBackend;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const view = wasmView(backend);
    const kernels = kernelsOf(view);
    if (!view || !kernels || a.dtype !== 'float32' || b.dtype !== 'float32') return fallback({ inputs, backend });
    const shape = { m: a.shape[0]!, k: a.shape[1]!, n: b.shape[1]! };
    const out = view.makeOutput([shape.m, shape.n], 'float32');
    // Where the kernel packs B: a tensor's memory, so tfjs's allocator places and frees it.
    const scratch = view.makeOutput([scratchBytes(shape) / 4], 'float32');
    const offset = (t: tf.TensorInfo) => view.offsetOf(t.dataId)!;
    const done = kernels.run(shape, offset(a), offset(b), offset(out), offset(scratch));
    backend.disposeData(scratch.dataId);
    if (done) return out;
    backend.disposeData(out.dataId);
    return fallback({ inputs, backend });
  },
});

tf.registerGradient({
  kernelName: KERNEL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor2D, tf.Tensor2D];
    return { a: () => tf.matMul(dy as tf.Tensor2D, b, false, true), b: () => tf.matMul(a, dy as tf.Tensor2D, true, false) };
  },
});

/** a [m, k] · b [k, n] → [m, n]. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b);
  if (a.shape[1] !== b.shape[0]) throw new Error(`matMul2d: inner dimensions differ (${a.shape} · ${b.shape})`);
  return tf.engine().runKernel(KERNEL, { a, b }, {}) as tf.Tensor2D;
}
