/** `--quantize int8`: the weight quantization itself, and the graph it writes, read back with onnx-proto. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readCheckpoint, readModelInfo, readOnnxModel } from '@aae-map/shared';
import onnxProto from 'onnx-proto';
import { writeRandomCheckpoint } from '../../../test/fixtures/random-checkpoint.ts';
import { buildModel } from '../src/index.ts';
import { quantizeColumns, WEIGHT_MAX } from '../src/quantize.ts';

const { onnx } = onnxProto;
let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'export-quantize-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

test('each column is scaled by its largest magnitude and every weight rounds to the nearest level', () => {
  const [rows, cols] = [50, 7];
  const w = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 12.9898) * (1 + (i % cols)));
  for (let i = 0; i < rows; i++) w[i * cols + 6] = 0; // an all-zero column
  const { q, scale } = quantizeColumns(w, rows, cols);
  for (let j = 0; j < cols; j++) {
    let max = 0;
    for (let i = 0; i < rows; i++) max = Math.max(max, Math.abs(w[i * cols + j]!));
    assert.equal(scale[j], Math.fround(max > 0 ? max / WEIGHT_MAX : 1), `column ${j}`);
    for (let i = 0; i < rows; i++) {
      const k = i * cols + j;
      assert.ok(Math.abs(q[k]!) <= WEIGHT_MAX);
      assert.ok(Math.abs(q[k]! * scale[j]! - w[k]!) <= scale[j]! / 2 + 1e-6, `w[${i}, ${j}]`);
    }
  }
  assert.ok(q.some((v) => Math.abs(v) === WEIGHT_MAX));
});

test('the int8 graph: int8 hidden kernels, quantize_dynamic operators, float32 heads, the same contract, under a third of the bytes', async () => {
  await writeRandomCheckpoint(join(tmp, 'run'), { hidden: [96, 48], seed: 4 });
  const { manifest, weights } = await readCheckpoint(join(tmp, 'run'));
  const [fp32, int8] = [buildModel(manifest, weights), buildModel(manifest, weights, { quantize: 'int8' })];
  assert.deepEqual(readModelInfo(int8, 'int8.onnx'), readModelInfo(fp32, 'fp32.onnx'));
  assert.deepEqual(readOnnxModel(int8, 'int8.onnx').graph, readOnnxModel(fp32, 'fp32.onnx').graph);
  const graph = onnx.ModelProto.decode(int8).graph!;
  const count = (op: string) => graph.node!.filter((n) => n.opType === op).length;
  // The first layer takes the uint8 pixels as they are; the second quantizes its input per batch.
  assert.deepEqual([count('DynamicQuantizeLinear'), count('MatMulInteger'), count('Gemm')], [1, 2, 2]);
  const types = new Map(graph.initializer!.map((t) => [t.name!, [t.dataType, t.dims!.map(Number)]]));
  assert.deepEqual(types.get('encoder/dense0/kernel_q'), [onnx.TensorProto.DataType.INT8, [784, 96]]);
  assert.deepEqual(types.get('encoder/dense1/kernel_q'), [onnx.TensorProto.DataType.INT8, [96, 48]]);
  assert.deepEqual(types.get('encoder/y/kernel'), [onnx.TensorProto.DataType.FLOAT, [48, 10]]);
  assert.equal(types.has('encoder/dense0/kernel'), false);
  assert.ok(int8.length < 0.33 * fp32.length, `${int8.length} bytes against ${fp32.length}`);
});
