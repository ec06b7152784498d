/**
 * Writes and reads a run directory. Contract 1 (manifest.json + weights.bin) is what export
 * reads; resume.json, optimizer.bin and metrics.jsonl are committed in the same atomic
 * `commitFiles` call, so a run killed at any moment resumes from one consistent epoch.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Architecture,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  commitFiles,
  MANIFEST,
  type Manifest,
  modelWeightShapes,
  packTensors,
  readCheckpoint,
  UserError,
  unpackTensors,
  WEIGHTS,
  type WeightEntry,
} from '@aae-map/shared';
import type { DataFiles } from '../data/folder-files.ts';
import { FlatTensors } from '../kernels/flat-tensors.ts';
import { PHASES, type Phase } from '../model/phases.ts';
import type { MapProjection } from '../model/projection.ts';
import type { RngState } from '../rng.ts';
import { TrainingState } from '../step/stepper.ts';
import type { ResolvedOptions } from './options.ts';

export const RESUME = 'resume.json';
export const OPTIMIZER = 'optimizer.bin';
export const METRICS = 'metrics.jsonl';

/** Everything besides weights that continuing a run needs. */
export interface ResumeState {
  format: 'aae-map-resume';
  version: 1;
  /** Completed epochs (equals the manifest's `epochs`). */
  epoch: number;
  /** Completed iterations over the whole run: the learning-rate schedule's position. */
  step: number;
  /** Length of the learning-rate schedule in iterations. */
  totalSteps: number;
  rng: RngState;
  /** Training-set indices of the labelled subset. */
  labelled: number[];
  /** Adam's step count per phase. */
  adamSteps: Record<Phase, number>;
  /** Tensors in optimizer.bin: `<phase>/m/<weight>` and `<phase>/v/<weight>`. */
  optimizer: WeightEntry[];
  options: ResolvedOptions;
  /** IDX files or the image folder the run reads (absent for MNIST or a Dataset passed in code). */
  data?: DataFiles;
  dataset: { name: string; trainCount: number; testCount: number; height: number; width: number };
}

export interface RunInfo {
  arch: Architecture;
  classNames: string[];
  datasetName: string;
  labels: number;
  seed: number;
  backend: string;
}

/** Contract 1's manifest for the current weights and the map fitted to them (run/map-layout.ts). */
export function buildManifest(info: RunInfo, map: MapProjection, epochs: number, weights: WeightEntry[]): Manifest {
  const a = info.arch;
  const { projection, heads2d } = map;
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    architecture: a,
    projection,
    heads2d,
    classNames: info.classNames,
    dataset: info.datasetName,
    labels: info.labels,
    epochs,
    seed: info.seed,
    backend: info.backend,
    createdAt: new Date().toISOString(),
    weights,
  };
}

function optimizerTensors(state: TrainingState): Array<[string, number[], Float32Array]> {
  return PHASES.flatMap((p) => {
    const opt = state.optimizers[p];
    return [
      ...opt.m.entries().map(([n, s, v]) => [`${p}/m/${n}`, s, v]),
      ...opt.v.entries().map(([n, s, v]) => [`${p}/v/${n}`, s, v]),
    ] as Array<[string, number[], Float32Array]>;
  });
}

/** Commits weights, optimizer slots, resume state and metrics for a completed epoch. */
export async function saveCheckpoint(
  dir: string,
  info: RunInfo,
  state: TrainingState,
  map: MapProjection,
  resume: Omit<ResumeState, 'optimizer' | 'adamSteps' | 'format' | 'version'>,
  metrics: string,
): Promise<Manifest> {
  const weights = packTensors(state.params.entries());
  const optimizer = packTensors(optimizerTensors(state));
  const manifest = buildManifest(info, map, resume.epoch, weights.entries);
  const adamSteps = Object.fromEntries(PHASES.map((p) => [p, state.optimizers[p].t])) as Record<Phase, number>;
  const full: ResumeState = { format: 'aae-map-resume', version: 1, ...resume, adamSteps, optimizer: optimizer.entries };
  await commitFiles(dir, {
    [WEIGHTS]: weights.data,
    [OPTIMIZER]: optimizer.data,
    [RESUME]: JSON.stringify(full),
    [METRICS]: metrics,
    [MANIFEST]: JSON.stringify(manifest, null, 1),
  });
  return manifest;
}

/** Reads a run for `--resume`: weights and optimizer into a TrainingState, plus resume state and metrics so far. */
export async function loadForResume(
  dir: string,
): Promise<{ manifest: Manifest; state: TrainingState; resume: ResumeState; metrics: string }> {
  const { manifest, weights } = await readCheckpoint(dir);
  const rPath = join(dir, RESUME);
  if (!existsSync(rPath)) throw new UserError(`${rPath} is missing, so ${dir} cannot be resumed; start a new run without --resume`);
  let resume: ResumeState;
  try {
    resume = JSON.parse(await readFile(rPath, 'utf8')) as ResumeState;
  } catch (err) {
    throw new UserError(`${rPath} is not valid JSON (${(err as Error).message}); start a new run`);
  }
  if (resume.format !== 'aae-map-resume' || resume.epoch !== manifest.epochs)
    throw new UserError(`${rPath} does not match ${join(dir, MANIFEST)}; start a new run`);
  const initial = new FlatTensors(modelWeightShapes(manifest.architecture));
  for (const name of initial.names) initial.view(name).set(weights.get(name)!);
  const state = new TrainingState(manifest.architecture, initial);
  const oPath = join(dir, OPTIMIZER);
  if (!existsSync(oPath)) throw new UserError(`${oPath} is missing, so ${dir} cannot be resumed; start a new run`);
  const slots = unpackTensors(resume.optimizer, await readFile(oPath), oPath);
  for (const p of PHASES) {
    const opt = state.optimizers[p];
    for (const name of opt.m.names) {
      const m = slots.get(`${p}/m/${name}`);
      const v = slots.get(`${p}/v/${name}`);
      if (!m || !v) throw new UserError(`${oPath} lacks the optimizer slots of ${name} (phase ${p}); start a new run`);
      opt.m.view(name).set(m);
      opt.v.view(name).set(v);
    }
    opt.t = resume.adamSteps[p] ?? 0;
  }
  const mPath = join(dir, METRICS);
  const metrics = existsSync(mPath) ? await readFile(mPath, 'utf8') : '';
  return { manifest, state, resume, metrics };
}
