/**
 * tfjs-wasm's backend object beyond its public types: the module's memory, its float32 heap view,
 * where a tensor's data sits in that memory, and how to allocate an output tensor. The generated
 * SIMD kernels (wasm-matmul.ts) and readInto (backend.ts) need them. This is the one file that
 * reaches in; wasm-internals.test.ts fails loudly when a tfjs update moves any of them, where the
 * callers would otherwise fall back to tfjs's own (much slower) paths without a word.
 */
import type * as tf from '@tensorflow/tfjs-core';

interface Internals {
  wasm?: { HEAPF32?: Float32Array; asm?: { memory?: unknown } };
  dataIdMap?: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput?(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** What the kernels use of a tfjs-wasm backend. */
export interface WasmView {
  memory: WebAssembly.Memory;
  /** Emscripten replaces the view when the memory grows, so ask for it at each use. */
  heapF32(): Float32Array;
  /** Byte offset of a tensor's data in `memory`, or undefined for data the backend does not hold. */
  offsetOf(dataId: object): number | undefined;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

const views = new WeakMap<object, WasmView>();

/** The backend's internals, or undefined when it is not tfjs-wasm (or tfjs-wasm changed them). */
export function wasmView(backend: tf.KernelBackend): WasmView | undefined {
  const cached = views.get(backend);
  if (cached) return cached;
  const b = backend as unknown as Internals;
  const memory = b.wasm?.asm?.memory;
  const { dataIdMap, makeOutput, wasm } = b;
  if (!(memory instanceof WebAssembly.Memory) || !dataIdMap || typeof makeOutput !== 'function' || !(wasm?.HEAPF32 instanceof Float32Array))
    return undefined;
  const view: WasmView = {
    memory,
    heapF32: () => wasm.HEAPF32!,
    offsetOf: (id) => dataIdMap.get(id)?.memoryOffset,
    makeOutput: (shape, dtype) => makeOutput.call(backend, shape, dtype),
  };
  views.set(backend, view);
  return view;
}
