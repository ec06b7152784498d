/**
 * Whether an ONNX model's metadata_props describe its graph. Every client (embed, evaluate, the
 * page) sizes its input and reads its outputs from the metadata, so a model whose metadata
 * disagrees with the graph must stop when it opens: otherwise it feeds wrong-sized tensors (and
 * hangs or fails per image) or, worse, labels rows with the wrong cluster and exits 0.
 */
import { UserError } from '../cli/user-error.ts';
import { inputNameOf, META_KEYS, type ModelInfo, OUTPUT_NAMES, propsToModelInfo, REEXPORT } from './model-metadata.ts';

/** A graph input or output as the model file declares it. */
export interface TensorDecl {
  name: string;
  /** 'uint8', 'float32', another element type in lower case, or 'not a tensor'. */
  type: string;
  /** A number where fixed, a name where symbolic ('N'), '?' where unset; null where no shape is declared. */
  dims: Array<number | string> | null;
}

/** The graph's declared signature; inputs that are initializers (weights) are left out. */
export interface GraphSignature {
  inputs: TensorDecl[];
  outputs: TensorDecl[];
}

/** An expected dimension and the metadata key it comes from (none for fixed ones, like point's 2). */
interface Want {
  n: number;
  key?: string;
}

const shape = (dims: Array<number | string> | null) => (dims ? `[${dims.join(', ')}]` : 'of undeclared shape');

/**
 * Checks `decl`'s dims after the batch against `want`; `rankKey` is the metadata key that decides
 * how many there are, if any.
 */
function checkDims(file: string, props: Record<string, string>, what: string, decl: TensorDecl, want: Want[], rankKey?: string): void {
  const dims = decl.dims;
  const off = dims === null || dims.length !== want.length + 1 ? { key: rankKey } : want.find((w, i) => dims[i + 1] !== w.n);
  if (!off) return;
  const expected = `[N, ${want.map((w) => w.n).join(', ')}]`;
  const claim = off.key ? `metadata '${off.key}' is ${props[off.key]} but ` : '';
  throw new UserError(
    `${file}: ${claim}the graph's ${what} is ${shape(dims)} (expected ${expected}); the metadata does not describe this graph; ${REEXPORT}`,
  );
}

/** The input's element type and its dims after the batch, as `info` says they must be. */
function wantedInput(info: ModelInfo): { type: string; what: string; want: Want[]; rankKey?: string } {
  if (info.inputKind === 'features')
    return { type: 'float32', what: 'feature values', want: [{ n: info.inputDim, key: META_KEYS.inputDim }] };
  const want: Want[] = [
    { n: info.height, key: META_KEYS.height },
    { n: info.width, key: META_KEYS.width },
  ];
  if (info.channels !== 1) want.push({ n: info.channels, key: META_KEYS.channels });
  return { type: 'uint8', what: 'pixels', want, rankKey: META_KEYS.channels };
}

function checkInput(file: string, props: Record<string, string>, inputs: TensorDecl[], info: ModelInfo): void {
  const name = inputNameOf(info.inputKind);
  const input = inputs[0];
  if (inputs.length !== 1 || input?.name !== name) {
    const kind = props[META_KEYS.inputKind] === undefined ? '' : ` (metadata '${META_KEYS.inputKind}' is ${info.inputKind})`;
    throw new UserError(
      `${file}: the graph's inputs are [${inputs.map((i) => i.name).join(', ')}]; expected one input '${name}'${kind}; ${REEXPORT}`,
    );
  }
  const what = `input '${name}'`;
  const wanted = wantedInput(info);
  if (input.type !== wanted.type)
    throw new UserError(`${file}: the graph's ${what} is ${input.type}; expected ${wanted.type} ${wanted.what}; ${REEXPORT}`);
  if (typeof input.dims?.[0] === 'number') {
    throw new UserError(
      `${file}: the graph's ${what} is ${shape(input.dims)}; expected a free batch size N as its first dimension; ${REEXPORT}`,
    );
  }
  checkDims(file, props, what, input, wanted.want, wanted.rankKey);
}

function checkOutputs(file: string, props: Record<string, string>, outputs: TensorDecl[], info: ModelInfo): void {
  const widths: Record<(typeof OUTPUT_NAMES)[number], Want> = {
    point: { n: 2 },
    cluster_prob: { n: info.clusters, key: META_KEYS.clusters },
    style: { n: info.styleDim, key: META_KEYS.styleDim },
    representation: { n: info.styleDim, key: META_KEYS.styleDim },
  };
  for (const name of OUTPUT_NAMES) {
    const out = outputs.find((o) => o.name === name);
    if (!out) {
      const has = outputs.map((o) => o.name).join(', ');
      throw new UserError(
        `${file}: the graph has no output '${name}' (it has [${has}]); expected outputs ${OUTPUT_NAMES.join(', ')}; ${REEXPORT}`,
      );
    }
    if (out.type !== 'float32') throw new UserError(`${file}: the graph's output '${name}' is ${out.type}; expected float32; ${REEXPORT}`);
    checkDims(file, props, `output '${name}'`, out, [widths[name]]);
  }
}

/**
 * Parses `props` (Contract 2's metadata_props) and checks them against the graph's declared
 * input and outputs; the first disagreement is a UserError naming the key and what was expected.
 */
export function checkModelContract(props: Record<string, string>, graph: GraphSignature, file: string): ModelInfo {
  const info = propsToModelInfo(props, file);
  checkInput(file, props, graph.inputs, info);
  checkOutputs(file, props, graph.outputs, info);
  // After the graph has vouched for 'clusters'.
  if (info.heads2d.length !== info.clusters) {
    throw new UserError(
      `${file}: metadata '${META_KEYS.heads2d}' has ${info.heads2d.length} rows; expected one per cluster, ${info.clusters}; ${REEXPORT}`,
    );
  }
  return info;
}
