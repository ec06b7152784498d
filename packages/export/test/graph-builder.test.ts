/** The serialized graph, read back with onnx-proto: opset, operators, signature, weights, metadata. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { INPUT_NAME, MODEL_FORMAT_VERSION, OUTPUT_NAMES, readCheckpoint, readModelInfo, UserError } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { writeRandomCheckpoint } from '../../../test/fixtures/random-checkpoint.ts';
import { buildModel, IR_VERSION, OPSET } from '../src/index.ts';

const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;
/** Operators that every onnxruntime execution provider (cpu, cuda, webgpu, wasm) implements. */
const ALLOWED_OPS = new Set(['Reshape', 'Cast', 'Mul', 'Add', 'Sub', 'Div', 'Gemm', 'Relu', 'Softmax', 'MatMul']);

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'export-graph-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

const dims = (v: OnnxTypes.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));

test('2-D mode graph: one opset, standard operators, documented signature', async () => {
  const { manifest, weights } = await writeRandomCheckpoint(join(tmp, 'run2d'), {
    mode: '2d',
    clusters: 7,
    hidden: [20, 12],
    height: 16,
    width: 12,
  });
  const model = onnx.ModelProto.decode(buildModel(manifest, weights));

  assert.equal(Number(model.irVersion), IR_VERSION);
  assert.deepEqual(
    model.opsetImport.map((o) => [o.domain, Number(o.version)]),
    [['', OPSET]],
  );
  assert.ok(OPSET >= 13);
  const g = model.graph as InstanceType<typeof onnx.GraphProto>;
  for (const n of g.node) {
    assert.ok(ALLOWED_OPS.has(n.opType!), `operator ${n.opType} is not in the allowed set`);
    assert.equal(n.domain || '', '', `${n.opType} is not in the default domain`);
  }
  assert.deepEqual(
    g.input.map((v) => [v.name, v.type!.tensorType!.elemType, dims(v)]),
    [[INPUT_NAME, DataType.UINT8, ['N', 16, 12]]],
  );
  assert.deepEqual(
    g.output.map((v) => [v.name, v.type!.tensorType!.elemType, dims(v)]),
    [
      [OUTPUT_NAMES[0], DataType.FLOAT, ['N', 2]],
      [OUTPUT_NAMES[1], DataType.FLOAT, ['N', 7]],
      [OUTPUT_NAMES[2], DataType.FLOAT, ['N', 2]],
      [OUTPUT_NAMES[3], DataType.FLOAT, ['N', 2]],
    ],
  );
});

function rawFloats(t: OnnxTypes.ITensorProto): Float32Array {
  const view = new DataView(t.rawData!.buffer, t.rawData!.byteOffset, t.rawData!.byteLength);
  return Float32Array.from({ length: t.rawData!.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

test('initializers hold the checkpoint weights bit for bit, as little-endian raw_data', async () => {
  const run = join(tmp, 'weights');
  await writeRandomCheckpoint(run, { hidden: [8], seed: 9 });
  const { manifest, weights } = await readCheckpoint(run);
  const model = onnx.ModelProto.decode(buildModel(manifest, weights));
  const init = new Map((model.graph as InstanceType<typeof onnx.GraphProto>).initializer.map((t) => [t.name!, t]));
  for (const name of ['encoder/dense0/kernel', 'encoder/dense0/bias', 'encoder/y/kernel', 'encoder/z/bias', 'heads']) {
    const t = init.get(name);
    assert.ok(t, `no initializer ${name}`);
    assert.equal(t.dataType, DataType.FLOAT);
    assert.deepEqual(t.dims!.map(Number), manifest.weights.find((w) => w.name === name)!.shape);
    assert.deepEqual(rawFloats(t), weights.get(name));
  }
  assertClose(rawFloats(init.get('projection')!), manifest.projection.flat(), { atol: 1e-7 }, 'projection');
  assert.ok(!init.has('decoder/out/kernel'), 'decoder weights do not belong in the export');
});

test('metadata_props round-trip to the manifest through readModelInfo', async () => {
  const classNames = ['cat', 'dog, "big"', 'ünïcode', 'd', 'e'];
  const { manifest, weights } = await writeRandomCheckpoint(join(tmp, 'meta'), { clusters: 5, classNames, hidden: [8] });
  const bytes = buildModel(manifest, weights);
  const info = readModelInfo(bytes, 'meta.onnx');
  assert.deepEqual(
    { ...info, heads2d: [] },
    {
      version: MODEL_FORMAT_VERSION,
      inputKind: 'image',
      height: 28,
      width: 28,
      channels: 1,
      classNames,
      heads2d: [],
      clusters: 5,
      styleDim: 5,
      mode: 'nd',
      dataset: manifest.dataset,
    },
  );
  // The fixture puts the heads on a circle of radius 10; the exporter recomputes them as heads·P.
  assertClose(info.heads2d.flat(), manifest.heads2d.flat(), { atol: 1e-5 }, 'heads_2d');
});

test('a non-finite weight is refused with a one-line UserError', async () => {
  const { manifest, weights } = await writeRandomCheckpoint(join(tmp, 'nan'), { hidden: [8] });
  weights.get('encoder/z/kernel')![3] = Number.NaN;
  assert.throws(
    () => buildModel(manifest, weights),
    (err: Error) => err instanceof UserError && /encoder\/z\/kernel\[3\] is NaN/.test(err.message) && !err.message.includes('\n'),
  );
});

test('a feature-vector graph: float32 features [N, D], Sub mean and Div std before the first Gemm, input_kind and input_dim', async () => {
  const { manifest, weights } = await writeRandomCheckpoint(join(tmp, 'vectors'), { features: 6, hidden: [8], clusters: 3 });
  const bytes = buildModel(manifest, weights);
  const model = onnx.ModelProto.decode(bytes);
  const g = model.graph!;
  assert.deepEqual(
    g.node!.slice(0, 3).map((n) => [n.opType, n.input]),
    [
      ['Sub', ['features', 'feature_mean']],
      ['Div', ['centered', 'feature_std']],
      ['Gemm', ['x', 'encoder/dense0/kernel', 'encoder/dense0/bias']],
    ],
  );
  assert.equal(g.input![0]!.type!.tensorType!.elemType, DataType.FLOAT);
  assert.deepEqual(dims(g.input![0]!), ['N', 6]);
  const init = (name: string) => {
    const t = g.initializer!.find((i) => i.name === name)!;
    return Array.from(new Float32Array(new Uint8Array(t.rawData!).slice().buffer));
  };
  const s = manifest.architecture.standardization!;
  assert.deepEqual([init('feature_mean'), init('feature_std')], [s.mean, s.std]);
  const info = readModelInfo(bytes, 'm.onnx');
  assert.ok(info.inputKind === 'features');
  assert.equal(info.inputDim, 6);
});

test('a feature checkpoint whose standardisation has a zero std is refused before any graph is built', async () => {
  const dir = join(tmp, 'zero-std');
  const { manifest } = await writeRandomCheckpoint(dir, { features: 4, hidden: [8], clusters: 3 });
  manifest.architecture.standardization!.std[2] = 0;
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  await assert.rejects(
    readCheckpoint(dir),
    (e: unknown) => e instanceof UserError && /architecture\.standardization must hold 4 finite means and 4 positive stds/.test(e.message),
  );
});
