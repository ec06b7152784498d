import onnxProto from 'onnx-proto';
import { UserError } from './user-error.ts';

const { onnx } = onnxProto;

/**
 * Contract 2 (see docs/model-format.md): what the ONNX graph's `metadata_props` hold, so that any client
 * can prepare input and label output. Every value is a string; structured values are JSON.
 */
export const MODEL_FORMAT_VERSION = '1';

export const META_KEYS = {
  version: 'aae_map_format_version',
  height: 'input_height',
  width: 'input_width',
  channels: 'input_channels',
  classNames: 'class_names',
  heads2d: 'heads_2d',
  clusters: 'clusters',
  styleDim: 'style_dim',
  mode: 'mode',
  dataset: 'dataset',
} as const;

export const INPUT_NAME = 'image';
export const OUTPUT_NAMES = ['point', 'cluster_prob', 'style', 'representation'] as const;

export interface ModelInfo {
  version: string;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
  /** n x 2 */
  heads2d: number[][];
  clusters: number;
  styleDim: number;
  mode: 'nd' | '2d';
  dataset: string;
}

export function modelInfoToProps(info: ModelInfo): Record<string, string> {
  return {
    [META_KEYS.version]: info.version,
    [META_KEYS.height]: String(info.height),
    [META_KEYS.width]: String(info.width),
    [META_KEYS.channels]: String(info.channels),
    [META_KEYS.classNames]: JSON.stringify(info.classNames),
    [META_KEYS.heads2d]: JSON.stringify(info.heads2d),
    [META_KEYS.clusters]: String(info.clusters),
    [META_KEYS.styleDim]: String(info.styleDim),
    [META_KEYS.mode]: info.mode,
    [META_KEYS.dataset]: info.dataset,
  };
}

/** Parses metadata_props into a ModelInfo; a missing key means this is not one of our models. */
export function propsToModelInfo(props: Record<string, string>, file: string): ModelInfo {
  const get = (k: string) => {
    const v = props[k];
    if (v === undefined) throw new UserError(`${file} has no '${k}' metadata; it was not made by 'pnpm export' (re-export the model)`);
    return v;
  };
  const version = get(META_KEYS.version);
  if (version !== MODEL_FORMAT_VERSION) throw new UserError(`${file} has model format version ${version}; this tool reads version ${MODEL_FORMAT_VERSION}`);
  return {
    version,
    height: Number(get(META_KEYS.height)),
    width: Number(get(META_KEYS.width)),
    channels: Number(get(META_KEYS.channels)),
    classNames: JSON.parse(get(META_KEYS.classNames)) as string[],
    heads2d: JSON.parse(get(META_KEYS.heads2d)) as number[][],
    clusters: Number(get(META_KEYS.clusters)),
    styleDim: Number(get(META_KEYS.styleDim)),
    mode: get(META_KEYS.mode) as 'nd' | '2d',
    dataset: props[META_KEYS.dataset] ?? '',
  };
}

/** Reads metadata_props from serialized ONNX bytes (onnxruntime's JS API does not expose them). */
export function readOnnxMetadata(bytes: Uint8Array, file: string): Record<string, string> {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new UserError(`${file} is not a valid ONNX model (${(err as Error).message})`);
  }
  const out: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) out[p.key] = p.value ?? '';
  return out;
}
