/**
 * Reading a model file's metadata_props (which onnxruntime's JavaScript API does not expose) and
 * its declared signature from the ONNX protobuf. Its own entry, `@aae-map/shared/onnx`, because
 * loading the protobuf schema takes about 80 ms that a command's --help should not pay.
 */
import onnxProto from 'onnx-proto';
import { UserError } from '../cli/user-error.ts';
import { checkModelContract, type GraphSignature, type TensorDecl } from './model-contract.ts';
import type { ModelInfo } from './model-metadata.ts';

const { onnx } = onnxProto;

const TYPE_NAMES: Record<number, string> = { [onnx.TensorProto.DataType.FLOAT]: 'float32', [onnx.TensorProto.DataType.UINT8]: 'uint8' };

function declOf(v: onnxProto.onnx.IValueInfoProto): TensorDecl {
  const t = v.type?.tensorType;
  // int64 dims decode as Long where protobufjs finds the long package (Node), as numbers elsewhere;
  // the member of the dimValue/dimParam oneof that is not set decodes as null.
  const dim = (d: onnxProto.onnx.TensorShapeProto.IDimension) => (d.dimValue != null ? Number(String(d.dimValue)) : d.dimParam || '?');
  return {
    name: v.name ?? '',
    type: t
      ? (TYPE_NAMES[t.elemType ?? 0] ?? String(onnx.TensorProto.DataType[t.elemType ?? 0] ?? t.elemType).toLowerCase())
      : 'not a tensor',
    dims: t?.shape ? (t.shape.dim ?? []).map(dim) : null,
  };
}

/** Decodes serialized ONNX bytes once into metadata_props (which onnxruntime's JS API does not expose) and the declared signature. */
export function readOnnxModel(bytes: Uint8Array, file: string): { props: Record<string, string>; graph: GraphSignature } {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new UserError(`${file} is not a valid ONNX model (${(err as Error).message})`);
  }
  const props: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) props[p.key] = p.value ?? '';
  const weights = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  const inputs = (model.graph?.input ?? []).filter((v) => !weights.has(v.name)).map(declOf);
  return { props, graph: { inputs, outputs: (model.graph?.output ?? []).map(declOf) } };
}

/** The ModelInfo of serialized ONNX bytes, once its metadata is known to fit its graph. */
export function readModelInfo(bytes: Uint8Array, file: string): ModelInfo {
  const { props, graph } = readOnnxModel(bytes, file);
  return checkModelContract(props, graph, file);
}
