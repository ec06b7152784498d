/**
 * The wire-format reader of model files (onnx-read.ts) against onnx-proto's generated decoder,
 * the reference: the same metadata and declared signatures for models built with onnx-proto's
 * encoder to cover what a file may hold (symbolic, unset and fixed dims, no shape, element types
 * other than float32 and uint8, weights listed as inputs, unknown fields, strings past ASCII),
 * and one line, exit-code-2 errors for bytes that are not a protobuf.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readOnnxModel, type TensorDecl, UserError } from '@aae-map/shared';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;

/** What onnx-proto's decoder says a value declares, in the reader's terms. */
function referenceDecl(v: ValueInfo, names: Record<number, string>): TensorDecl {
  const t = v.type?.tensorType;
  const dim = (d: onnxProto.onnx.TensorShapeProto.IDimension) => (d.dimValue != null ? Number(String(d.dimValue)) : d.dimParam || '?');
  return {
    name: v.name ?? '',
    type: t ? (names[t.elemType ?? 0] ?? 'undefined') : 'not a tensor',
    dims: t?.shape ? (t.shape.dim ?? []).map(dim) : null,
  };
}

const tensor = (name: string, elemType: number, dims?: Array<number | string | null>): ValueInfo => ({
  name,
  type: {
    tensorType: {
      elemType,
      shape: dims && {
        dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})),
      },
    },
  },
});

function encode(): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'test',
    metadataProps: [
      { key: 'clusters', value: '10' },
      { key: 'class_names', value: '["zéro","一","🙂"]' },
      { key: 'empty', value: '' },
    ],
    graph: {
      name: 'g',
      initializer: [{ name: 'w', dataType: T.FLOAT, dims: [3, 2], floatData: [1, 2, 3, 4, 5, 6] }],
      input: [tensor('image', T.UINT8, ['N', 28, 28]), tensor('w', T.FLOAT, [3, 2]), tensor('half', T.FLOAT16, [null, 4])],
      output: [
        tensor('point', T.FLOAT, ['N', 2]),
        tensor('big', T.INT64, [2 ** 40]),
        { name: 'seq', type: { sequenceType: { elemType: { tensorType: { elemType: T.FLOAT } } } } },
        { name: 'noshape', type: { tensorType: { elemType: T.DOUBLE } } },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

test('the same metadata and signature as onnx-proto decodes, weights left out of the inputs', () => {
  const bytes = encode();
  const ref = onnx.ModelProto.decode(bytes);
  const names: Record<number, string> = {};
  for (const [name, n] of Object.entries(onnx.TensorProto.DataType)) names[n as number] = name === 'FLOAT' ? 'float32' : name.toLowerCase();
  const weights = new Set((ref.graph?.initializer ?? []).map((t) => t.name));
  const got = readOnnxModel(bytes, 'm.onnx');
  assert.deepEqual(got.props, Object.fromEntries((ref.metadataProps ?? []).map((p) => [p.key, p.value])));
  assert.deepEqual(
    got.graph.inputs,
    (ref.graph?.input ?? []).filter((v) => !weights.has(v.name)).map((v) => referenceDecl(v, names)),
  );
  assert.deepEqual(
    got.graph.outputs,
    (ref.graph?.output ?? []).map((v) => referenceDecl(v, names)),
  );
  assert.deepEqual(got.graph.outputs[1], { name: 'big', type: 'int64', dims: [2 ** 40] });
  assert.deepEqual(got.graph.inputs[1], { name: 'half', type: 'float16', dims: ['?', 4] });
});

test('bytes that are not a protobuf, or are cut short, are one UserError naming the file', () => {
  const bytes = encode();
  for (const bad of [new TextEncoder().encode('definitely not protobuf'), bytes.subarray(0, bytes.length - 7), Uint8Array.of(0x3a, 0xff)]) {
    assert.throws(
      () => readOnnxModel(bad, 'bad.onnx'),
      (e: unknown) => e instanceof UserError && /^bad\.onnx is not a valid ONNX model \(.+\)$/.test(e.message),
    );
  }
});
