import { UserError } from '../cli/user-error.ts';

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
  return {
    version,
    height: whole(META_KEYS.height),
    width: whole(META_KEYS.width),
    channels: whole(META_KEYS.channels),
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
