/**
 * The dense layers' products in onnxruntime's native CPU kernels (MLAS: AVX-512 or AVX2 with
 * FMA where the CPU has them), run synchronously on tfjs-wasm's own memory. wasm SIMD is 128 bits
 * wide, so on a CPU with wider vectors MLAS does the same product in about half the cycles.
 *
 * The one file in this package that imports onnxruntime, and the one that reaches past its public
 * API: InferenceSession.run is asynchronous (it defers to setImmediate), but tfjs kernels must
 * return at once, so this calls the native binding's synchronous `run` that the public class
 * wraps. native-gemm.test.ts fails loudly when an onnxruntime-node update moves it.
 *
 * Each product is one Gemm node whose inputs are views of tfjs-wasm's memory (no copy) and whose
 * output is written, pre-allocated, straight into the output tensor's memory. (The binding then
 * also returns a copy of that output, which is dropped: wasm-matmul.ts weighs that cost.)
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { GemmShape } from './simd-gemm.ts';

const { onnx } = onnxProto;

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, offset: number, length: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): Record<string, unknown>;
}

interface Binding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

type TensorClass = new (type: 'float32', data: Float32Array, dims: number[]) => unknown;

/** One Gemm node, C = op(A)·B with A transposed when `transA`; every dimension symbolic. */
function gemmModel(transA: boolean): Uint8Array {
  const F = onnx.TensorProto.DataType.FLOAT;
  const info = (name: string, dims: string[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: F, shape: { dim: dims.map((d) => ({ dimParam: d })) } } },
    });
  const node = onnx.NodeProto.create({
    opType: 'Gemm',
    input: ['a', 'b'],
    output: ['c'],
    attribute: [onnx.AttributeProto.create({ name: 'transA', type: onnx.AttributeProto.AttributeType.INT, i: transA ? 1 : 0 })],
  });
  const graph = onnx.GraphProto.create({
    name: 'gemm',
    node: [node],
    input: [info('a', ['p', 'q']), info('b', ['k', 'n'])],
    output: [info('c', ['m', 'n'])],
  });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, graph, opsetImport: [{ domain: '', version: 17 }] })).finish();
}

/** Products in onnxruntime's CPU kernels, on this thread. */
export class NativeGemm {
  private readonly sessions: [NativeSession, NativeSession];

  private constructor(
    private readonly Tensor: TensorClass,
    make: (transA: boolean) => NativeSession,
  ) {
    this.sessions = [make(false), make(true)];
  }

  /** Loads onnxruntime-node; throws with its reason when it cannot. */
  static load(): NativeGemm {
    const require = createRequire(import.meta.url);
    const ort = require('onnxruntime-node') as { Tensor: TensorClass };
    const internal = require(join(dirname(require.resolve('onnxruntime-node')), 'binding.js')) as Binding;
    if (typeof internal.initOrt !== 'function' || typeof internal.binding?.InferenceSession !== 'function')
      throw new Error('onnxruntime-node no longer exposes its native binding (dist/binding.js)');
    internal.initOrt();
    // One thread: each replica worker has a core of its own (two threads in one replica were slower).
    const options = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
    return new NativeGemm(ort.Tensor, (transA) => {
      const session = new internal.binding.InferenceSession();
      const bytes = gemmModel(transA);
      session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, options);
      return session;
    });
  }

  /** C [m, n] = A·B (A [m, k]) or Aᵀ·B (A [k, m]), into `c`; each a view of exactly its matrix. */
  run(shape: GemmShape, a: Float32Array, b: Float32Array, c: Float32Array): void {
    const { m, k, n, transposeA = false } = shape;
    const feeds = { a: new this.Tensor('float32', a, transposeA ? [k, m] : [m, k]), b: new this.Tensor('float32', b, [k, n]) };
    this.sessions[transposeA ? 1 : 0].run(feeds, { c: new this.Tensor('float32', c, [m, n]) }, {});
  }
}
