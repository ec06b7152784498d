import { UserError } from '../cli/user-error.ts';

/**
 * Contract 2 (see docs/model-format.md): what the ONNX graph's `metadata_props` hold, so that any client
 * can prepare input and label output. Every value is a string; structured values are JSON.
 */
export const MODEL_FORMAT_VERSION = '1';

export const META_KEYS = {
  version: 'aae_map_format_version',
  inputKind: 'input_kind',
  inputDim: 'input_dim',
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

/** The graph input of an image model. */
export const INPUT_NAME = 'image';
/** The graph input of a feature-vector model. */
export const FEATURES_INPUT_NAME = 'features';

/** Pixels per image position: 1, gray `image` [N, H, W]; 3, RGB `image` [N, H, W, 3]. */
export type InputChannels = 1 | 3;
export const OUTPUT_NAMES = ['point', 'cluster_prob', 'style', 'representation'] as const;

/** What a model takes: images (uint8 `image` [N, H, W(, C)]) or feature vectors (float32 `features` [N, D]). */
export type InputKind = 'image' | 'features';
export const INPUT_KINDS: readonly InputKind[] = ['image', 'features'];

interface ModelCommon {
  version: string;
  classNames: string[];
  /** n x 2 */
  heads2d: number[][];
  clusters: number;
  styleDim: number;
  mode: 'nd' | '2d';
  dataset: string;
}

export interface ImageModelInfo extends ModelCommon {
  inputKind: 'image';
  height: number;
  width: number;
  channels: InputChannels;
}

export interface FeatureModelInfo extends ModelCommon {
  inputKind: 'features';
  /** D, the length of each feature vector. */
  inputDim: number;
}

export type ModelInfo = ImageModelInfo | FeatureModelInfo;

/** The graph input's name for a model of this kind. */
export const inputNameOf = (kind: InputKind): string => (kind === 'image' ? INPUT_NAME : FEATURES_INPUT_NAME);

/** The values of one input row: H·W·C pixels, or D features. */
export const inputValues = (info: ModelInfo): number =>
  info.inputKind === 'image' ? info.height * info.width * info.channels : info.inputDim;

/** The input as a phrase for messages: '28×28 images', '3-channel 32×32 images', '64-D feature vectors'. */
export function describeInput(info: ModelInfo): string {
  if (info.inputKind === 'features') return `${info.inputDim}-D feature vectors`;
  return `${info.channels === 1 ? '' : `${info.channels}-channel `}${info.height}×${info.width} images`;
}

function inputProps(info: ModelInfo): Record<string, string> {
  if (info.inputKind === 'features') return { [META_KEYS.inputKind]: 'features', [META_KEYS.inputDim]: String(info.inputDim) };
  return {
    [META_KEYS.inputKind]: 'image',
    [META_KEYS.height]: String(info.height),
    [META_KEYS.width]: String(info.width),
    [META_KEYS.channels]: String(info.channels),
  };
}

export function modelInfoToProps(info: ModelInfo): Record<string, string> {
  return {
    [META_KEYS.version]: info.version,
    ...inputProps(info),
    [META_KEYS.classNames]: JSON.stringify(info.classNames),
    [META_KEYS.heads2d]: JSON.stringify(info.heads2d),
    [META_KEYS.clusters]: String(info.clusters),
    [META_KEYS.styleDim]: String(info.styleDim),
    [META_KEYS.mode]: info.mode,
    [META_KEYS.dataset]: info.dataset,
  };
}

/** What a user can do about a model whose metadata or graph breaks the contract. */
export const REEXPORT = "re-export the model with 'pnpm export'";

/** A value as an error message shows it: quoted, on one line, and cut short if long. */
function shown(v: string): string {
  const cut = v.length > 40 ? `${v.slice(0, 40)}…` : v;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters and show them escaped
  return `'${cut.replace(/[\x00-\x1f]/g, (c) => JSON.stringify(c).slice(1, -1))}'`;
}

/**
 * Parses metadata_props into a ModelInfo, checking each value's form; a missing key means this is
 * not one of our models. Whether the values fit the graph is checkModelContract's part.
 */
export function propsToModelInfo(props: Record<string, string>, file: string): ModelInfo {
  const bad = (key: string, expected: string): never => {
    throw new UserError(`${file}: metadata '${key}' is ${shown(props[key]!)}; expected ${expected}; ${REEXPORT}`);
  };
  const get = (k: string) => {
    const v = props[k];
    if (v === undefined) throw new UserError(`${file} has no '${k}' metadata; it was not made by 'pnpm export' (${REEXPORT})`);
    return v;
  };
  const whole = (key: string) => (/^[1-9]\d{0,8}$/.test(get(key)) ? Number(props[key]) : bad(key, 'a positive whole number'));
  const json = (key: string, fits: (v: unknown) => boolean, expected: string) => {
    const text = get(key);
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return bad(key, expected);
    }
    return fits(v) ? v : bad(key, expected);
  };
  const version = get(META_KEYS.version);
  if (version !== MODEL_FORMAT_VERSION)
    throw new UserError(`${file} has model format version ${version}; this tool reads version ${MODEL_FORMAT_VERSION}`);
  const mode = get(META_KEYS.mode);
  if (mode !== 'nd' && mode !== '2d') bad(META_KEYS.mode, "'nd' or '2d'");
  const isPair = (r: unknown) => Array.isArray(r) && r.length === 2 && r.every((x) => typeof x === 'number' && Number.isFinite(x));
  const imageChannels = () => {
    const channels = whole(META_KEYS.channels);
    return channels === 1 || channels === 3 ? (channels as InputChannels) : bad(META_KEYS.channels, '1 (gray) or 3 (RGB)');
  };
  // Models exported before feature vectors have no input_kind: they take images.
  const kind = props[META_KEYS.inputKind] ?? 'image';
  if (kind !== 'image' && kind !== 'features') bad(META_KEYS.inputKind, "'image' or 'features'");
  const input =
    kind === 'features'
      ? { inputKind: 'features' as const, inputDim: whole(META_KEYS.inputDim) }
      : { inputKind: 'image' as const, height: whole(META_KEYS.height), width: whole(META_KEYS.width), channels: imageChannels() };
  return {
    version,
    ...input,
    classNames: json(
      META_KEYS.classNames,
      (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
      'a JSON array of strings',
    ) as string[],
    heads2d: json(
      META_KEYS.heads2d,
      (v) => Array.isArray(v) && v.every(isPair),
      'a JSON array of [x, y] pairs of numbers, one per cluster',
    ) as number[][],
    clusters: whole(META_KEYS.clusters),
    styleDim: whole(META_KEYS.styleDim),
    mode: mode as ModelInfo['mode'],
    dataset: props[META_KEYS.dataset] ?? '',
  };
}
