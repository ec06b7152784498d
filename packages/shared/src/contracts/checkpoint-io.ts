import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../cli/user-error.ts';
import {
  type Architecture,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  inputValuesOf,
  type Manifest,
  modelWeightShapes,
  size,
  type WeightEntry,
} from './checkpoint-format.ts';

/** Files of a checkpoint: manifest.json is written last, so it is the commit point. */
export const MANIFEST = 'manifest.json';
export const WEIGHTS = 'weights.bin';
const PENDING = '.pending';

export type NamedTensors = Map<string, Float32Array>;

/** Packs tensors into one float32 LE buffer plus manifest entries (tfjs weightsManifest-like). */
export function packTensors(tensors: Array<[string, number[], Float32Array]>): { entries: WeightEntry[]; data: Uint8Array } {
  let total = 0;
  const entries: WeightEntry[] = tensors.map(([name, shape, values]) => {
    if (values.length !== size(shape)) throw new Error(`${name}: ${values.length} values for shape [${shape}]`);
    const e: WeightEntry = { name, shape, dtype: 'float32', offset: total };
    total += values.length * 4;
    return e;
  });
  const data = new Uint8Array(total);
  const view = new DataView(data.buffer);
  tensors.forEach(([, , values], i) => {
    let o = entries[i]!.offset;
    for (let k = 0; k < values.length; k++, o += 4) view.setFloat32(o, values[k]!, true);
  });
  return { entries, data };
}

/** What is wrong with a count read from a manifest, or undefined when it is a whole number >= 0. */
function countProblem(v: unknown): string | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${JSON.stringify(v) ?? String(v)} is not a number`;
  if (v < 0) return `${v} is negative`;
  return Number.isInteger(v) ? undefined : `${v} is not a whole number`;
}

/** A bad offset or shape is reported as what it is, not as a truncated file (bytes -4..3996). */
function checkEntry(e: WeightEntry, file: string): void {
  const bad = (what: string) =>
    new UserError(
      `the manifest entry of ${file} for tensor ${e.name}: ${what}; the checkpoint is corrupt (re-run training or pick another run)`,
    );
  if (!Array.isArray(e.shape)) throw bad('its shape is not a list');
  for (const d of e.shape) {
    const problem = countProblem(d);
    if (problem) throw bad(`shape [${e.shape.join(',')}]: dimension ${problem}`);
  }
  const problem = countProblem(e.offset);
  if (problem) throw bad(`offset ${problem}`);
}

/** Reads tensors listed in `entries` from a float32 LE buffer, checking bounds. */
export function unpackTensors(entries: WeightEntry[], data: Uint8Array, file: string): NamedTensors {
  const out: NamedTensors = new Map();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const e of entries) {
    if (e.dtype !== 'float32') throw new UserError(`${file}: tensor ${e.name} has dtype ${e.dtype}; only float32 is supported`);
    checkEntry(e, file);
    const n = size(e.shape);
    if (e.offset + n * 4 > data.byteLength) {
      throw new UserError(
        `${file} is truncated: tensor ${e.name} needs bytes ${e.offset}..${e.offset + n * 4} but the file has ${data.byteLength}; re-run training or pick another run`,
      );
    }
    const values = new Float32Array(n);
    for (let k = 0; k < n; k++) values[k] = view.getFloat32(e.offset + k * 4, true);
    out.set(e.name, values);
  }
  return out;
}

/**
 * Commits a set of files into `dir` as one unit. They are first written to `dir/.pending/`,
 * manifest last; then moved into place. If the process dies during the moves,
 * `recoverCheckpoint` finishes them, so a reader never sees a mix of two epochs.
 */
export async function commitFiles(dir: string, files: Record<string, Uint8Array | string>): Promise<void> {
  const pending = join(dir, PENDING);
  await rm(pending, { recursive: true, force: true });
  await mkdir(pending, { recursive: true });
  const names = Object.keys(files).sort((a, b) => Number(a === MANIFEST) - Number(b === MANIFEST));
  for (const name of names) await writeFile(join(pending, name), files[name]!);
  await writeFile(join(pending, '.complete'), '');
  await recoverCheckpoint(dir);
}

/** Rolls a half-finished commit forward, or drops one that never completed. */
export async function recoverCheckpoint(dir: string): Promise<void> {
  const pending = join(dir, PENDING);
  if (!existsSync(pending)) return;
  if (!existsSync(join(pending, '.complete'))) {
    await rm(pending, { recursive: true, force: true });
    return;
  }
  const names = (await readdir(pending)).filter((n) => n !== '.complete');
  names.sort((a, b) => Number(a === MANIFEST) - Number(b === MANIFEST));
  for (const name of names) await rename(join(pending, name), join(dir, name));
  await rm(pending, { recursive: true, force: true });
}

/** Reads and validates manifest.json + weights.bin. Errors are one-line UserErrors. */
export async function readCheckpoint(dir: string): Promise<{ manifest: Manifest; weights: NamedTensors }> {
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) {
    throw new UserError(`checkpoint directory ${dir} does not exist; train a model first (pnpm train) or pass --run DIR`);
  }
  await recoverCheckpoint(dir);
  const mPath = join(dir, MANIFEST);
  if (!existsSync(mPath)) throw new UserError(`${mPath} is missing; is ${dir} a training run directory?`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(mPath, 'utf8')) as Manifest;
  } catch (err) {
    throw new UserError(`${mPath} is not valid JSON (${(err as Error).message}); the checkpoint is corrupt`);
  }
  validateManifest(manifest, mPath);
  const wPath = join(dir, WEIGHTS);
  if (!existsSync(wPath)) throw new UserError(`${wPath} is missing; the checkpoint is incomplete`);
  const weights = unpackTensors(manifest.weights, await readFile(wPath), wPath);
  return { manifest, weights };
}

/** The input kind, and for feature vectors a standardisation of one finite mean and positive std per feature. */
function validateInput(a: Architecture, file: string): void {
  const kind = a.inputKind ?? 'image';
  if (kind !== 'image' && kind !== 'features') throw new UserError(`${file}: architecture.inputKind must be 'image' or 'features'`);
  if (kind === 'image') return;
  const s = a.standardization;
  const d = inputValuesOf(a);
  const fits = (v: unknown, ok: (x: number) => boolean) =>
    Array.isArray(v) && v.length === d && v.every((x) => typeof x === 'number' && ok(x));
  if (!s || !fits(s.mean, Number.isFinite) || !fits(s.std, (x) => Number.isFinite(x) && x > 0))
    throw new UserError(
      `${file}: architecture.standardization must hold ${d} finite means and ${d} positive stds; the checkpoint is corrupt`,
    );
}

export function validateManifest(m: Manifest, file: string): void {
  if (typeof m !== 'object' || m === null) throw new UserError(`${file} does not hold a JSON object; the checkpoint is corrupt`);
  if (m.format !== CHECKPOINT_FORMAT) throw new UserError(`${file} is not an aae-map checkpoint (format ${JSON.stringify(m.format)})`);
  if (m.version !== CHECKPOINT_VERSION)
    throw new UserError(`${file} has format version ${m.version}; this tool reads version ${CHECKPOINT_VERSION}`);
  const a = m.architecture;
  if (!a || !(a.clusters > 0) || !(a.styleDim > 0) || !(a.inputHeight > 0) || !(a.inputWidth > 0)) {
    throw new UserError(`${file} has an invalid architecture section`);
  }
  if (!Array.isArray(a.hidden) || !a.hidden.every((h) => Number.isInteger(h) && h > 0))
    throw new UserError(`${file}: architecture.hidden must be a list of positive layer sizes`);
  validateInput(a, file);
  if (!Array.isArray(m.weights)) throw new UserError(`${file} has no weights list; the checkpoint is corrupt`);
  if (!Array.isArray(m.classNames)) throw new UserError(`${file} has no classNames list; the checkpoint is corrupt`);
  const listed = new Map(m.weights.map((w) => [w.name, w.shape]));
  for (const [name, shape] of modelWeightShapes(a)) {
    const got = listed.get(name);
    if (!got) throw new UserError(`${file} lists no tensor ${name}; the checkpoint is incomplete`);
    if (got.join(',') !== shape.join(',')) {
      throw new UserError(`${file}: tensor ${name} has shape [${got}] but the architecture implies [${shape}]`);
    }
  }
  const shapeOk = (rows: number[][], r: number, c: number) =>
    Array.isArray(rows) && rows.length === r && rows.every((row) => row.length === c);
  if (!shapeOk(m.projection, a.styleDim, 2)) throw new UserError(`${file}: projection must be ${a.styleDim} x 2`);
  if (!shapeOk(m.heads2d, a.clusters, 2)) throw new UserError(`${file}: heads2d must be ${a.clusters} x 2`);
}
