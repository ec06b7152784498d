/**
 * Small constructors for the ONNX protobuf messages the graph builder needs, on top of the
 * `onnx-proto` (protobufjs) classes, so that graph-builder.ts reads as a list of layers.
 */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;

/** A float32 initializer stored as little-endian raw_data. */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): InstanceType<typeof onnx.TensorProto> {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return onnx.TensorProto.create({ name, dims, dataType: DataType.FLOAT, rawData: raw });
}

/** An int8 initializer (quantized weights), as raw_data. */
export function int8Tensor(name: string, dims: number[], values: Int8Array): InstanceType<typeof onnx.TensorProto> {
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return onnx.TensorProto.create({ name, dims, dataType: DataType.INT8, rawData: raw });
}

/** An int64 initializer (Reshape's shape input), as little-endian raw_data. */
export function int64Tensor(name: string, values: number[]): InstanceType<typeof onnx.TensorProto> {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return onnx.TensorProto.create({ name, dims: [values.length], dataType: DataType.INT64, rawData: raw });
}

type Attr = number | { ints: number[] } | { float: number };

function attribute(name: string, value: Attr): InstanceType<typeof onnx.AttributeProto> {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'number') return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
  if ('ints' in value) return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: value.ints });
  return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value.float });
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, Attr> = {},
): InstanceType<typeof onnx.NodeProto> {
  return onnx.NodeProto.create({
    opType,
    name: `${opType}_${outputs[0]}`,
    input: inputs,
    output: outputs,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  });
}

/** A graph input/output declaration; a string dim is symbolic (e.g. the batch size 'N'). */
export function valueInfo(name: string, elemType: number, dims: Array<number | string>): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
}
