/**
 * `export --quantize int8`: the encoder's hidden dense layers as onnxruntime's quantize_dynamic
 * writes them (DynamicQuantizeLinear on the activations, MatMulInteger with int8 weights), which
 * onnxruntime's CPU provider fuses into one DynamicQuantizeMatMul (VNNI where the CPU has it);
 * the first layer of an image model is MatMulInteger on the pixels, left unfused by onnxruntime
 * (its int8 GEMM, then the rescaling as three elementwise nodes).
 * The rest of the graph stays float32; docs/model-format.md says what and why.
 */
import type { Normalization } from '@aae-map/shared';
import { floatTensor, int8Tensor, node, onnx } from './onnx-nodes.ts';

export type { QuantizeMode } from './quantize-modes.ts';

/**
 * The largest weight magnitude: 7 bits, as quantize_dynamic's reduce_range, so that a pair of
 * products u8·s8 + u8·s8 (at most 255·63·2 = 32,130) fits int16 on CPUs without VNNI, whose
 * int8 dot product (AVX2's vpmaddubsw) saturates there; VNNI does not, but the file must give
 * the same points on every CPU. Measured against 127 levels on a trained model: 99.40% against
 * 99.52% of clusters kept (docs/model-format.md).
 */
export const WEIGHT_MAX = 63;

/**
 * Symmetric per-column quantization of a row-major [rows, cols] kernel: column j is
 * scale[j] · q[·, j], scale[j] = max|W[·, j]| / WEIGHT_MAX (1 for an all-zero column).
 */
export function quantizeColumns(w: Float32Array, rows: number, cols: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(cols).fill(0);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) scale[j] = Math.max(scale[j]!, Math.abs(w[i * cols + j]!));
  for (let j = 0; j < cols; j++) scale[j] = scale[j]! > 0 ? scale[j]! / WEIGHT_MAX : 1;
  const q = new Int8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) q[i * cols + j] = Math.max(-WEIGHT_MAX, Math.min(WEIGHT_MAX, Math.round(w[i * cols + j]! / scale[j]!)));
  }
  return { q, scale };
}

type Tensor = InstanceType<typeof onnx.TensorProto>;
type Node = InstanceType<typeof onnx.NodeProto>;
type Layer = { nodes: Node[]; init: Tensor[] };

const names = (pre: string) => (s: string) => `${pre}/${s}`;

/** The quantized kernel's initializers; its columns' scales are returned for the rescaling. */
function kernelInit(pre: string, kernel: Float32Array, rows: number, cols: number): { init: Tensor[]; q: Int8Array; scale: Float32Array } {
  const { q, scale } = quantizeColumns(kernel, rows, cols);
  const n = names(pre);
  return { q, scale, init: [int8Tensor(n('kernel_q'), [rows, cols], q), int8Tensor(n('kernel_zero'), [cols], new Int8Array(cols))] };
}

/**
 * input·W + b with W quantized and the float input quantized per batch (DynamicQuantizeLinear),
 * producing `${pre}/linear` like the float Gemm it replaces. The node chain is the one that
 * onnxruntime's MatMulIntegerToFloat and DynamicQuantizeMatMul fusions match.
 */
export function int8Dense(input: string, pre: string, kernel: Float32Array, bias: Float32Array, dims: readonly [number, number]): Layer {
  const [rows, cols] = dims;
  const k = kernelInit(pre, kernel, rows, cols);
  const n = names(pre);
  return {
    init: [...k.init, floatTensor(n('kernel_scale'), [cols], k.scale), floatTensor(n('bias'), [cols], bias)],
    nodes: [
      node('DynamicQuantizeLinear', [input], [n('x_q'), n('x_scale'), n('x_zero')]),
      node('MatMulInteger', [n('x_q'), n('kernel_q'), n('x_zero'), n('kernel_zero')], [n('product_i32')]),
      node('Cast', [n('product_i32')], [n('product_raw')], { to: onnx.TensorProto.DataType.FLOAT }),
      node('Mul', [n('x_scale'), n('kernel_scale')], [n('scale')]),
      node('Mul', [n('product_raw'), n('scale')], [n('product')]),
      node('Add', [n('product'), n('bias')], [n('linear')]),
    ],
  };
}

/**
 * The first layer of an image model, on the uint8 pixels themselves: with x = a·v + c,
 * x·W + b = a·(v·W) + (c·Σ_i W[i, ·] + b), so the integer product takes the exact pixels and
 * the scaling and offset fold into one column scale and one bias, computed here in float64.
 */
export function int8PixelDense(
  pixels: string,
  pre: string,
  kernel: Float32Array,
  bias: Float32Array,
  dims: readonly [number, number],
  norm: Normalization,
): Layer {
  const [rows, cols] = dims;
  const k = kernelInit(pre, kernel, rows, cols);
  const colSum = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) colSum[j] = colSum[j]! + k.q[i * cols + j]!;
  const n = names(pre);
  return {
    init: [
      ...k.init,
      floatTensor(
        n('scale'),
        [cols],
        Array.from(k.scale, (s) => norm.scale * s),
      ),
      floatTensor(
        n('bias'),
        [cols],
        Array.from(bias, (b, j) => b + norm.offset * k.scale[j]! * colSum[j]!),
      ),
    ],
    nodes: [
      node('MatMulInteger', [pixels, n('kernel_q'), '', n('kernel_zero')], [n('product_i32')]),
      node('Cast', [n('product_i32')], [n('product_raw')], { to: onnx.TensorProto.DataType.FLOAT }),
      node('Mul', [n('product_raw'), n('scale')], [n('product')]),
      node('Add', [n('product'), n('bias')], [n('linear')]),
    ],
  };
}
