/**
 * Builds Contract 2's ONNX graph (see docs/model-format.md) from a Contract 1 checkpoint:
 * uint8 image → scale to [-1, 1] (or float32 features → standardise) → encoder MLP → softmax y
 * and linear z → representation → point.
 */
import {
  type Architecture,
  FEATURES_INPUT_NAME,
  INPUT_NAME,
  type InputChannels,
  inputValuesOf,
  type Manifest,
  MODEL_FORMAT_VERSION,
  type ModelInfo,
  modelInfoToProps,
  type NamedTensors,
  OUTPUT_NAMES,
  UserError,
} from '@aae-map/shared';
import { floatTensor, int64Tensor, node, onnx, valueInfo } from './onnx-nodes.ts';
import { int8Dense, int8PixelDense } from './quantize.ts';
import type { QuantizeMode } from './quantize-modes.ts';

/** Standard operators only (Cast, Reshape, Mul, Add, Sub, Div, Gemm, Relu, Softmax, MatMul; with --quantize int8 also DynamicQuantizeLinear and MatMulInteger), all from this opset. */
export const OPSET = 17;
/** IR version 8 is the one that goes with opsets 15–17 (ONNX 1.10–1.12); onnxruntime ≥ 1.10 reads it. */
export const IR_VERSION = 8;
const BATCH = 'N';

/** Checks that every tensor the graph needs is present, has the manifest's size and is finite. */
function encoderTensor(weights: NamedTensors, manifest: Manifest, name: string): Float32Array {
  const entry = manifest.weights.find((w) => w.name === name);
  const values = weights.get(name);
  if (!entry || !values) throw new UserError(`the checkpoint has no tensor ${name}; it is incomplete`);
  const expected = entry.shape.reduce((p, s) => p * s, 1);
  if (values.length !== expected) throw new UserError(`tensor ${name} has ${values.length} values but the manifest says [${entry.shape}]`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new UserError(`tensor ${name}[${bad}] is ${values[bad]}; training diverged, so export an earlier or a new run`);
  return values;
}

/** Row-major product of (n x k) and (k x m) plain matrices. */
function matmulRows(a: ArrayLike<number>, n: number, k: number, b: number[][], m: number): number[][] {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: m }, (_, j) => {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * b[t]![j]!;
      return s;
    }),
  );
}

type Tensor = InstanceType<typeof onnx.TensorProto>;
type Node = InstanceType<typeof onnx.NodeProto>;

/** Manifest fields the graph bakes in that readCheckpoint's validation does not cover. */
function checkExportable(m: Manifest): void {
  const { normalization: norm, channels } = m.architecture;
  if (!norm || !Number.isFinite(norm.scale) || !Number.isFinite(norm.offset)) {
    throw new UserError('the manifest has no valid architecture.normalization {scale, offset}; the checkpoint is corrupt');
  }
  if (channels !== 1 && channels !== 3)
    throw new UserError(`the manifest's architecture.channels is ${channels}; it must be 1 (gray) or 3 (RGB)`);
  if (!m.projection.flat().every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new UserError("the manifest's projection holds a value that is not a finite number; the checkpoint is corrupt");
  }
}

const isFeatures = (a: Architecture) => a.inputKind === 'features';

/**
 * The nodes and constants from the graph's input to `x`, the encoder's input row; with
 * `pixelsOnly`, an image model's only to `pixels_u8` (int8PixelDense scales the pixels itself).
 */
function inputNodes(a: Architecture, pixelsOnly: boolean): { nodes: Node[]; init: Tensor[] } {
  const d = inputValuesOf(a);
  if (isFeatures(a)) {
    // The training set's statistics; validateManifest has checked that every std is positive.
    const s = a.standardization!;
    return {
      init: [floatTensor('feature_mean', [d], s.mean), floatTensor('feature_std', [d], s.std)],
      nodes: [node('Sub', [FEATURES_INPUT_NAME, 'feature_mean'], ['centered']), node('Div', ['centered', 'feature_std'], ['x'])],
    };
  }
  const reshape = node('Reshape', [INPUT_NAME, 'flat_shape'], ['pixels_u8']);
  if (pixelsOnly) return { init: [int64Tensor('flat_shape', [-1, d])], nodes: [reshape] };
  return {
    init: [
      int64Tensor('flat_shape', [-1, d]),
      floatTensor('norm_scale', [], [a.normalization.scale]),
      floatTensor('norm_offset', [], [a.normalization.offset]),
    ],
    nodes: [
      reshape,
      node('Cast', ['pixels_u8'], ['pixels'], { to: onnx.TensorProto.DataType.FLOAT }),
      node('Mul', ['pixels', 'norm_scale'], ['pixels_scaled']),
      node('Add', ['pixels_scaled', 'norm_offset'], ['x']),
    ],
  };
}

/** What buildModel may change in the graph; the default is the float32 graph. */
export interface BuildOptions {
  /** Quantize the hidden dense layers (quantize.ts). */
  quantize?: QuantizeMode;
}

/** Nodes and initializers from the input to the four outputs. */
function layers(manifest: Manifest, weights: NamedTensors, opts: BuildOptions): { nodes: Node[]; init: Tensor[] } {
  const a = manifest.architecture;
  const pixelsFirst = opts.quantize !== undefined && !isFeatures(a);
  const { nodes, init } = inputNodes(a, pixelsFirst);
  init.push(floatTensor('projection', [a.styleDim, 2], manifest.projection.flat()));
  const param = (name: string, dims: number[]) => {
    init.push(floatTensor(name, dims, encoderTensor(weights, manifest, name)));
    return name;
  };
  let h = 'x';
  let width = inputValuesOf(a);
  a.hidden.forEach((size, i) => {
    const pre = `encoder/dense${i}`;
    if (opts.quantize) {
      const tensor = (name: string) => encoderTensor(weights, manifest, `${pre}/${name}`);
      const args = [pre, tensor('kernel'), tensor('bias'), [width, size]] as const;
      const dense = i === 0 && pixelsFirst ? int8PixelDense('pixels_u8', ...args, a.normalization) : int8Dense(h, ...args);
      nodes.push(...dense.nodes);
      init.push(...dense.init);
    } else {
      nodes.push(node('Gemm', [h, param(`${pre}/kernel`, [width, size]), param(`${pre}/bias`, [size])], [`${pre}/linear`]));
    }
    nodes.push(node('Relu', [`${pre}/linear`], [`${pre}/relu`]));
    h = `${pre}/relu`;
    width = size;
  });
  const [n, d] = [a.clusters, a.styleDim];
  nodes.push(
    node('Gemm', [h, param('encoder/y/kernel', [width, n]), param('encoder/y/bias', [n])], ['cluster_logits']),
    node('Softmax', ['cluster_logits'], ['cluster_prob'], { axis: -1 }),
    node('Gemm', [h, param('encoder/z/kernel', [width, d]), param('encoder/z/bias', [d])], ['style']),
    node('MatMul', ['cluster_prob', param('heads', [n, d])], ['heads_term']),
    node('Add', ['heads_term', 'style'], ['representation']),
    node('MatMul', ['representation', 'projection'], ['point']),
  );
  return { nodes, init };
}

/**
 * Contract 2's metadata_props. The heads' 2-D positions are computed as heads·P, i.e. exactly
 * where the graph puts a one-hot `cluster_prob` with zero style.
 */
function metadata(manifest: Manifest, weights: NamedTensors): Array<{ key: string; value: string }> {
  const a = manifest.architecture;
  const common = {
    version: MODEL_FORMAT_VERSION,
    classNames: manifest.classNames,
    heads2d: matmulRows(weights.get('heads')!, a.clusters, a.styleDim, manifest.projection, 2),
    clusters: a.clusters,
    styleDim: a.styleDim,
    mode: a.mode,
    dataset: manifest.dataset,
  };
  const info: ModelInfo = isFeatures(a)
    ? { ...common, inputKind: 'features', inputDim: inputValuesOf(a) }
    : { ...common, inputKind: 'image', height: a.inputHeight, width: a.inputWidth, channels: a.channels as InputChannels };
  const props = modelInfoToProps(info);
  return Object.entries(props).map(([key, value]) => ({ key, value }));
}

/** Returns the serialized ModelProto. `manifest` must already be validated (readCheckpoint does). */
export function buildModel(manifest: Manifest, weights: NamedTensors, opts: BuildOptions = {}): Uint8Array {
  checkExportable(manifest);
  const a = manifest.architecture;
  const { nodes, init } = layers(manifest, weights, opts);
  const input = isFeatures(a)
    ? valueInfo(FEATURES_INPUT_NAME, onnx.TensorProto.DataType.FLOAT, [BATCH, inputValuesOf(a)])
    : valueInfo(
        INPUT_NAME,
        onnx.TensorProto.DataType.UINT8,
        a.channels === 1 ? [BATCH, a.inputHeight, a.inputWidth] : [BATCH, a.inputHeight, a.inputWidth, a.channels],
      );
  const F = onnx.TensorProto.DataType.FLOAT;
  const outputs = { point: 2, cluster_prob: a.clusters, style: a.styleDim, representation: a.styleDim } satisfies Record<
    (typeof OUTPUT_NAMES)[number],
    number
  >;
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'aae-map export',
    producerVersion: '0.1.0',
    docString: `Adversarial autoencoder encoder + 2-D map (aae-map). Input: ${isFeatures(a) ? 'float32 feature vectors' : `uint8 ${a.channels === 3 ? 'RGB' : 'grayscale'} images`}; see metadata_props.`,
    graph: {
      name: 'aae_map_encoder',
      node: nodes,
      initializer: init,
      input: [input],
      output: OUTPUT_NAMES.map((name) => valueInfo(name, F, [BATCH, outputs[name]])),
    },
    metadataProps: metadata(manifest, weights),
  });
  return onnx.ModelProto.encode(model).finish();
}
