/**
 * A model file's metadata_props (which onnxruntime's JavaScript API does not expose) and its
 * declared signature, read straight from the ONNX protobuf's wire format. Only the few fields
 * needed are decoded, and the weights are skipped without a copy: loading a protobuf library's
 * ONNX schema took about 80 ms of every command's start, more than the whole read. Field numbers
 * are onnx.proto's (ModelProto, GraphProto, ValueInfoProto, TypeProto, TensorShapeProto).
 */
import { UserError } from '../cli/user-error.ts';
import { checkModelContract, type GraphSignature, type TensorDecl } from './model-contract.ts';
import type { ModelInfo } from './model-metadata.ts';

/** TensorProto.DataType, by number, as the contract's messages name the element types. */
const TYPE_NAMES = [
  'undefined',
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'string',
  'bool',
  'float16',
  'double',
  'uint32',
  'uint64',
  'complex64',
  'complex128',
  'bfloat16',
  'float8e4m3fn',
  'float8e4m3fnuz',
  'float8e5m2',
  'float8e5m2fnuz',
  'uint4',
  'int4',
  'float4e2m1',
];

const utf8 = new TextDecoder('utf-8');

/** Each field of one protobuf message, in order. */
/** One field: its number, wire type, and its varint value (wire type 0) or its bytes (wire type 2). */
interface Field {
  field: number;
  wire: number;
  value: number;
  bytes: Uint8Array;
}

const NONE = new Uint8Array(0);

function* fields(b: Uint8Array): Generator<Field> {
  let at = 0;
  const end = b.length;
  const varint = (): number => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= end) throw new Error('truncated varint');
      const byte = b[at++]!;
      // Past 2^53 a number stops being exact; no field read here is that large.
      n += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return n;
      if (shift > 63) throw new Error('varint too long');
    }
  };
  while (at < end) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) yield { field, wire, value: varint(), bytes: NONE };
    else if (wire === 2) {
      const len = varint();
      if (len > end - at) throw new Error(`field ${field}: length ${len} runs past the end`);
      yield { field, wire, value: 0, bytes: b.subarray(at, at + len) };
      at += len;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > end) throw new Error('truncated fixed-size field');
    } else throw new Error(`invalid wire type ${wire} at offset ${at}`);
  }
}

/** The string fields `wanted` of a message, by field number (the last occurrence wins, as in protobuf). */
function strings(msg: Uint8Array, wanted: number[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const f of fields(msg)) if (f.wire === 2 && wanted.includes(f.field)) out.set(f.field, utf8.decode(f.bytes));
  return out;
}

function dimOf(msg: Uint8Array): number | string {
  let dim: number | string = '?';
  for (const f of fields(msg)) {
    if (f.field === 1 && f.wire === 0) dim = f.value;
    else if (f.field === 2 && f.wire === 2 && f.bytes.length > 0) dim = utf8.decode(f.bytes);
  }
  return dim;
}

/** ValueInfoProto → name, element type and dims (null where no shape is declared). */
function declOf(msg: Uint8Array): TensorDecl {
  const decl: TensorDecl = { name: '', type: 'not a tensor', dims: null };
  for (const f of fields(msg)) {
    if (f.wire !== 2) continue;
    if (f.field === 1) decl.name = utf8.decode(f.bytes);
    if (f.field !== 2) continue;
    for (const t of fields(f.bytes)) {
      if (t.field !== 1 || t.wire !== 2) continue; // TypeProto.tensor_type
      decl.type = 'undefined';
      for (const tt of fields(t.bytes)) {
        if (tt.field === 1 && tt.wire === 0) decl.type = TYPE_NAMES[tt.value] ?? String(tt.value);
        else if (tt.field === 2 && tt.wire === 2)
          decl.dims = [...fields(tt.bytes)].filter((d) => d.field === 1 && d.wire === 2).map((d) => dimOf(d.bytes));
      }
    }
  }
  return decl;
}

function parseModel(bytes: Uint8Array): { props: Record<string, string>; graph: GraphSignature } {
  const props: Record<string, string> = {};
  const inputs: TensorDecl[] = [];
  const outputs: TensorDecl[] = [];
  const weights = new Set<string>();
  for (const f of fields(bytes)) {
    if (f.wire !== 2) continue;
    if (f.field === 14) {
      const kv = strings(f.bytes, [1, 2]);
      const key = kv.get(1);
      if (key) props[key] = kv.get(2) ?? '';
    } else if (f.field === 7) {
      for (const g of fields(f.bytes)) {
        if (g.wire !== 2) continue;
        if (g.field === 11) inputs.push(declOf(g.bytes));
        else if (g.field === 12) outputs.push(declOf(g.bytes));
        else if (g.field === 5) weights.add(strings(g.bytes, [8]).get(8) ?? '');
      }
    }
  }
  return { props, graph: { inputs: inputs.filter((v) => !weights.has(v.name)), outputs } };
}

/** Reads serialized ONNX bytes into metadata_props and the declared signature (inputs that are weights left out). */
export function readOnnxModel(bytes: Uint8Array, file: string): { props: Record<string, string>; graph: GraphSignature } {
  try {
    return parseModel(bytes);
  } catch (err) {
    throw new UserError(`${file} is not a valid ONNX model (${(err as Error).message})`);
  }
}

/** The ModelInfo of serialized ONNX bytes, once its metadata is known to fit its graph. */
export function readModelInfo(bytes: Uint8Array, file: string): ModelInfo {
  const { props, graph } = readOnnxModel(bytes, file);
  return checkModelContract(props, graph, file);
}
