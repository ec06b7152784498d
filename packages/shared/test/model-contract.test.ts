/**
 * checkModelContract on metadata_props and declared signatures as readOnnxModel returns them:
 * a model the exporter would write passes and parses back; each malformed value and each
 * disagreement with the graph is one UserError line that names the key (or the graph's tensor)
 * and what was expected. The same check on real model files, through the CLIs and the page, is in
 * test/model-contract.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkModelContract,
  describeInput,
  type FeatureModelInfo,
  type GraphSignature,
  type ImageModelInfo,
  inputValues,
  modelInfoToProps,
  UserError,
} from '@aae-map/shared';

const INFO: ImageModelInfo = {
  version: '1',
  inputKind: 'image',
  height: 28,
  width: 20,
  channels: 1,
  classNames: ['zero', 'one', 'two'],
  heads2d: [
    [1, 0],
    [0, 1],
    [-1, 0],
  ],
  clusters: 3,
  styleDim: 3,
  mode: 'nd',
  dataset: 'test',
};

/** The signature the exporter declares for `info`. */
function graphFor(info: ImageModelInfo): GraphSignature {
  const hw = ['N', info.height, info.width, ...(info.channels === 1 ? [] : [info.channels])];
  const out = (name: string, width: number) => ({ name, type: 'float32', dims: ['N', width] });
  return {
    inputs: [{ name: 'image', type: 'uint8', dims: hw }],
    outputs: [out('point', 2), out('cluster_prob', info.clusters), out('style', info.styleDim), out('representation', info.styleDim)],
  };
}

const props = (edit: Record<string, string | undefined> = {}) => {
  const p: Record<string, string | undefined> = { ...modelInfoToProps(INFO), ...edit };
  for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
  return p as Record<string, string>;
};

function rejects(p: Record<string, string>, graph: GraphSignature, message: RegExp): void {
  assert.throws(
    () => checkModelContract(p, graph, 'm.onnx'),
    (err: unknown) => {
      assert.ok(err instanceof UserError, String(err));
      assert.doesNotMatch(err.message, /\n/);
      assert.match(err.message, /^m\.onnx[: ]/);
      assert.match(err.message, message);
      return true;
    },
  );
}

test("the exporter's metadata and signature pass and parse back to the ModelInfo", () => {
  assert.deepEqual(checkModelContract(props(), graphFor(INFO), 'm.onnx'), INFO);
  const rgb = { ...INFO, channels: 3 as const, mode: '2d' as const, styleDim: 2, classNames: [], dataset: '' };
  assert.deepEqual(checkModelContract(modelInfoToProps(rgb), graphFor(rgb), 'm.onnx'), rgb);
  // Extra outputs do not disturb a client that reads the four it knows.
  const more = graphFor(INFO);
  more.outputs.push({ name: 'logits', type: 'float32', dims: ['N', 3] });
  assert.equal(checkModelContract(props(), more, 'm.onnx').clusters, 3);
});

test('malformed metadata values name the key and the form expected', () => {
  const g = graphFor(INFO);
  for (const bad of ['abc', '0', '-28', '28.5', '', ' 28', '1e3', 'NaN']) {
    rejects(
      props({ input_height: bad }),
      g,
      new RegExp(`metadata 'input_height' is '${bad.replace(/[.+]/g, '\\$&')}'; expected a positive whole number; re-export`),
    );
  }
  rejects(props({ input_width: '-1' }), g, /'input_width' is '-1'; expected a positive whole number/);
  rejects(props({ clusters: 'three' }), g, /'clusters' is 'three'; expected a positive whole number/);
  rejects(props({ style_dim: '0' }), g, /'style_dim' is '0'; expected a positive whole number/);
  rejects(props({ input_channels: '' }), g, /'input_channels' is ''; expected a positive whole number/);
  rejects(props({ input_channels: '4' }), g, /'input_channels' is '4'; expected 1 \(gray\) or 3 \(RGB\)/);
  rejects(props({ class_names: '["zero", "one"' }), g, /'class_names' is '\["zero", "one"'; expected a JSON array of strings/);
  rejects(props({ class_names: '[0, 1, 2]' }), g, /'class_names' is '\[0, 1, 2\]'; expected a JSON array of strings/);
  rejects(props({ class_names: '"zero,one,two"' }), g, /'class_names' .*expected a JSON array of strings/);
  rejects(props({ heads_2d: '[[1,0],[0,1],' }), g, /'heads_2d' is .*; expected a JSON array of \[x, y\] pairs of numbers/);
  rejects(props({ heads_2d: '[[1,0],[0,1],[1]]' }), g, /'heads_2d' .*expected a JSON array of \[x, y\] pairs/);
  rejects(props({ heads_2d: '[[1,0],[0,1],[1,"0"]]' }), g, /'heads_2d' .*pairs of numbers/);
  rejects(props({ heads_2d: '[[1,0],[0,1]]' }), g, /metadata 'heads_2d' has 2 rows; expected one per cluster, 3/);
  rejects(props({ mode: 'xd' }), g, /'mode' is 'xd'; expected 'nd' or '2d'/);
  rejects(props({ style_dim: undefined }), g, /has no 'style_dim' metadata; it was not made by 'pnpm export'/);
  rejects(props({ aae_map_format_version: '2' }), g, /model format version 2; this tool reads version 1/);
  rejects(props({ mode: 'n\nd' }), g, /'mode' is 'n\\nd'; expected/);
  // A long value is cut short, so that the message stays one readable line.
  rejects(props({ class_names: `[${'"x",'.repeat(200)}` }), g, /'class_names' is '\[("x",){9}"x"…'; expected/);
});

test('metadata that disagrees with the graph names the key, the graph tensor and the shape expected', () => {
  const g = graphFor(INFO);
  // The issue's silent case: fewer clusters than cluster_prob's width (and heads to match).
  const fewer = props({ clusters: '2', heads_2d: '[[1,0],[0,1]]' });
  rejects(
    fewer,
    g,
    /metadata 'clusters' is 2 but the graph's output 'cluster_prob' is \[N, 3\] \(expected \[N, 2\]\); the metadata does not describe this graph/,
  );
  rejects(props({ clusters: '4' }), g, /metadata 'clusters' is 4 but the graph's output 'cluster_prob' is \[N, 3\]/);
  rejects(props({ style_dim: '2' }), g, /metadata 'style_dim' is 2 but the graph's output 'style' is \[N, 3\] \(expected \[N, 2\]\)/);
  rejects(
    props({ input_height: '32' }),
    g,
    /metadata 'input_height' is 32 but the graph's input 'image' is \[N, 28, 20\] \(expected \[N, 32, 20\]\)/,
  );
  rejects(props({ input_width: '28' }), g, /metadata 'input_width' is 28 but the graph's input 'image' is \[N, 28, 20\]/);
  rejects(
    props({ input_channels: '3' }),
    g,
    /metadata 'input_channels' is 3 but the graph's input 'image' is \[N, 28, 20\] \(expected \[N, 28, 20, 3\]\)/,
  );
  const rgb = graphFor({ ...INFO, channels: 3 });
  rejects(props(), rgb, /metadata 'input_channels' is 1 but the graph's input 'image' is \[N, 28, 20, 3\] \(expected \[N, 28, 20\]\)/);
});

test('a graph outside the contract names the tensor and what was expected', () => {
  const edit = (change: (g: GraphSignature) => void) => {
    const g = graphFor(INFO);
    change(g);
    return g;
  };
  const p = props();
  rejects(
    p,
    edit((g) => (g.outputs[0]!.dims = ['N', 3])),
    /the graph's output 'point' is \[N, 3\] \(expected \[N, 2\]\)/,
  );
  rejects(
    p,
    edit((g) => (g.outputs[1]!.dims = ['N', 'K'])),
    /metadata 'clusters' is 3 but the graph's output 'cluster_prob' is \[N, K\]/,
  );
  rejects(
    p,
    edit((g) => (g.outputs[2]!.dims = null)),
    /m\.onnx: the graph's output 'style' is of undeclared shape \(expected \[N, 3\]\)/,
  );
  rejects(
    p,
    edit((g) => (g.outputs[3]!.dims = ['N', 3, 1])),
    /the graph's output 'representation' is \[N, 3, 1\] \(expected \[N, 3\]\)/,
  );
  rejects(
    p,
    edit((g) => (g.outputs[1]!.type = 'float16')),
    /the graph's output 'cluster_prob' is float16; expected float32/,
  );
  rejects(
    p,
    edit((g) => g.outputs.splice(1, 1)),
    /the graph has no output 'cluster_prob' \(it has \[point, style, representation\]\); expected outputs point, cluster_prob, style, representation/,
  );
  rejects(
    p,
    edit((g) => (g.inputs[0]!.type = 'float32')),
    /the graph's input 'image' is float32; expected uint8 pixels/,
  );
  rejects(
    p,
    edit((g) => (g.inputs[0]!.dims = [1, 28, 20])),
    /the graph's input 'image' is \[1, 28, 20\]; expected a free batch size N/,
  );
  rejects(
    p,
    edit((g) => (g.inputs[0]!.dims = ['N', '?', 20])),
    /metadata 'input_height' is 28 but the graph's input 'image' is \[N, \?, 20\]/,
  );
  rejects(
    p,
    edit((g) => (g.inputs[0]!.name = 'pixels')),
    /the graph's inputs are \[pixels\]; expected one input 'image'/,
  );
  rejects(
    p,
    edit((g) => g.inputs.push({ name: 'mask', type: 'uint8', dims: ['N'] })),
    /the graph's inputs are \[image, mask\]; expected one input 'image'/,
  );
});

const FEATURES: FeatureModelInfo = { ...INFO, inputKind: 'features', inputDim: 64 };
const { height: _h, width: _w, channels: _c, ...common } = INFO;
const featureGraph = (type = 'float32', dims: Array<number | string> = ['N', 64], name = 'features'): GraphSignature => ({
  inputs: [{ name, type, dims }],
  outputs: graphFor(INFO).outputs,
});

test('a feature-vector model: float32 features [N, D] with input_kind and input_dim; an image model from before input_kind reads as one', () => {
  const p = modelInfoToProps(FEATURES);
  assert.equal(p.input_kind, 'features');
  assert.equal(p.input_dim, '64');
  assert.equal(p.input_height, undefined, 'no image keys on a feature model');
  assert.deepEqual(checkModelContract(p, featureGraph(), 'm.onnx'), { ...common, inputKind: 'features', inputDim: 64 });
  assert.equal(inputValues(FEATURES), 64);
  assert.equal(describeInput(FEATURES), '64-D feature vectors');
  assert.deepEqual(checkModelContract(props({ input_kind: undefined }), graphFor(INFO), 'm.onnx'), INFO);
});

test('a feature model whose metadata or graph is off names the key or the tensor', () => {
  const p = modelInfoToProps(FEATURES);
  rejects(
    { ...p, input_dim: '63' },
    featureGraph(),
    /metadata 'input_dim' is 63 but the graph's input 'features' is \[N, 64\] \(expected \[N, 63\]\)/,
  );
  rejects({ ...p, input_dim: 'x' }, featureGraph(), /'input_dim' is 'x'; expected a positive whole number/);
  rejects({ ...p, input_kind: 'audio' }, featureGraph(), /'input_kind' is 'audio'; expected 'image' or 'features'/);
  rejects(p, featureGraph('uint8'), /the graph's input 'features' is uint8; expected float32 feature values/);
  rejects(p, featureGraph('float32', ['N', 8, 8]), /the graph's input 'features' is \[N, 8, 8\] \(expected \[N, 64\]\)/);
  rejects(p, graphFor(INFO), /the graph's inputs are \[image\]; expected one input 'features' \(metadata 'input_kind' is features\)/);
  rejects(props(), featureGraph(), /the graph's inputs are \[features\]; expected one input 'image' \(metadata 'input_kind' is image\)/);
});
