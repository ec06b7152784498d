/**
 * Everything a run needs before its first iteration, fresh or resumed: data, options, labelled
 * split, backend, weights and optimizer state, and the stepper that trains them.
 */
import { availableParallelism } from 'node:os';
import { type Architecture, inputValuesOf, type Manifest, Progress, UserError } from '@aae-map/shared';
import { type BackendChoice, selectBackend } from '../backend.ts';
import { type Dataset, gatherNormalized, type ImageSplit, inputScaling, limitSplit, pixelsPerImage } from '../data/dataset.ts';
import { deskewSplit } from '../data/deskew.ts';
import { validationSplit } from '../data/held-out.ts';
import { balancedSplit, type LabelledSplit, splitFromLabelled } from '../data/labelled-split.ts';
import { pixelNeighbours } from '../data/pixel-neighbours.ts';
import { PSEUDO_LABEL_AGREEMENT, SPECTRAL_STEPS, spectralClusters } from '../data/spectral-clusters.ts';
import { selectGemm, withCores } from '../kernels/wasm-matmul.ts';
import { initialWeights } from '../model/model.ts';
import type { PhaseSettings } from '../model/phases.ts';
import { Rng } from '../rng.ts';
import { EpochSampler, type NeighbourTable } from '../step/batch-sampler.ts';
import { GpuStepper, REPORT_EVERY } from '../step/gpu-stepper.ts';
import { ParallelStepper } from '../step/parallel-stepper.ts';
import { LocalStepper, type Stepper, TrainingState } from '../step/stepper.ts';
import type { ResumeState, RunInfo } from './checkpoint.ts';
import { accuracy, majorityMapping } from './epoch-eval.ts';
import {
  architectureFor,
  INVARIANCE_WARP,
  NEIGHBOUR_K,
  type NeighbourSpace,
  type ResolvedOptions,
  resolveOptions,
  type TrainOptions,
} from './options.ts';
import { checkReplicas, replicasFor } from './replicas.ts';
import { checkNewRunDir, loadRunData } from './run-data.ts';

export interface Run {
  r: ResolvedOptions;
  /** The dataset as loaded, and with the train/test limits applied. */
  full: Dataset;
  data: Dataset;
  arch: Architecture;
  backend: BackendChoice;
  split: LabelledSplit;
  sampler: EpochSampler;
  rng: Rng;
  state: TrainingState;
  stepper: Stepper;
  info: RunInfo;
  totalSteps: number;
  /** What the run directory held when resuming. */
  prior?: { manifest: Manifest; resume: ResumeState; metrics: string };
}

/** Resumed runs keep their stored options; only the epoch count may grow. */
function runOptions(o: TrainOptions, ds: Dataset, runDir: string, prior?: ResumeState): ResolvedOptions {
  if (!prior) return { ...resolveOptions(o, ds), runDir };
  // Runs stored before --augment, --augment-rotate, --augment-scale, --vat, --balance, --confidence, --invariance, --neighbours, --agreement, --neighbour-space, --spectral-labels, --style-prior, --reconstruct-y or --validation existed trained without them.
  const r = {
    ...prior.options,
    augment: prior.options.augment ?? 0,
    augmentRotate: prior.options.augmentRotate ?? 0,
    augmentScale: prior.options.augmentScale ?? 0,
    vat: prior.options.vat ?? 0,
    balance: prior.options.balance ?? 0,
    confidence: prior.options.confidence ?? 0,
    invariance: prior.options.invariance ?? 0,
    validation: prior.options.validation ?? 0,
    neighbours: prior.options.neighbours ?? 0,
    agreement: prior.options.agreement ?? 0,
    neighbourSpace: prior.options.neighbourSpace ?? 'pixels',
    spectralLabels: prior.options.spectralLabels ?? false,
    stylePrior: prior.options.stylePrior ?? 1,
    reconstructY: prior.options.reconstructY ?? 1,
    runDir,
    epochs: o.epochs ?? prior.options.epochs,
  };
  if (!(Number.isInteger(r.epochs) && r.epochs >= 1)) throw new UserError(`--epochs must be a whole number >= 1, got ${r.epochs}`);
  checkReplicas(o.replicas, r.batch);
  return r;
}

function checkSameData(ds: Dataset, prior: ResumeState, trainCount: number, arch: Architecture): void {
  const d = prior.dataset;
  const sameChannels = (ds.channels ?? 1) === arch.channels;
  if (d.name !== ds.name || d.trainCount !== trainCount || d.height !== ds.height || d.width !== ds.width || !sameChannels) {
    throw new UserError(
      `the run was trained on ${d.name} (${d.trainCount} ${arch.channels === 3 ? 'RGB' : 'gray'} images of ${d.height}×${d.width}); resume it with the same data`,
    );
  }
}

/** Each training image's NEIGHBOUR_K nearest in input space (for --neighbours and --agreement), on the selected backend and kernels. */
async function neighbourTable(
  train: ImageSplit,
  space: NeighbourSpace,
  arch: Architecture,
  log: (line: string) => void,
  progress: boolean,
): Promise<NeighbourTable> {
  const t0 = performance.now();
  const dim = inputValuesOf(arch);
  const n = train.count;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const shape = { height: arch.inputHeight, width: arch.inputWidth, channels: arch.channels };
  const x = gatherNormalized(space === 'deskewed' ? deskewSplit(train, shape) : train, all, dim, inputScaling(arch));
  // A set of NEIGHBOUR_K images or fewer gives each image all the others.
  const k = Math.min(NEIGHBOUR_K, n - 1);
  const bar = progress ? new Progress({ total: (n * (n - 1)) / 2, unit: 'pairs', label: 'neighbours' }) : undefined;
  const table = await withCores(availableParallelism(), () => pixelNeighbours(x, n, dim, k, (pairs) => bar?.tick(pairs)));
  bar?.finish();
  log(`neighbours: the ${k} nearest of each of ${n} training images (${space}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { table, k };
}

/**
 * With --spectral-labels, what the sampler draws its labelled batches from: the training images
 * whose spectral cluster most of their neighbours share, labelled with that cluster. Every image
 * stays unlabelled too. The run itself still has no labels (its split and stored labels).
 */
function spectralLabelled(
  train: ImageSplit,
  split: LabelledSplit,
  { table, k }: NeighbourTable,
  r: ResolvedOptions,
  log: (line: string) => void,
  progress: boolean,
): { train: ImageSplit; split: LabelledSplit } {
  const t0 = performance.now();
  const bar = progress ? new Progress({ total: SPECTRAL_STEPS, unit: 'steps', label: 'spectral clusters' }) : undefined;
  const { cluster, agreement } = spectralClusters(table, k, train.count, r.clusters, r.seed, () => bar?.tick());
  bar?.finish();
  const labelled = Int32Array.from(cluster.keys()).filter((i) => agreement[i]! >= PSEUDO_LABEL_AGREEMENT);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  log(
    `spectral labels: ${r.clusters} clusters of the neighbour graph in ${seconds} s; ${labelled.length} of ${train.count} images agree with ${PSEUDO_LABEL_AGREEMENT * 100}%+ of their neighbours and serve as labels`,
  );
  const right = accuracy(
    cluster,
    train.labels,
    majorityMapping(cluster, train.labels, r.clusters, 1 + train.labels.reduce((m, l) => Math.max(m, l), -1)),
  );
  if (right !== null)
    log(`spectral labels: the clusters alone, by majority label, err on ${((1 - right) * 100).toFixed(2)}% of the training images`);
  return { train: { ...train, labels: cluster }, split: { labelled, unlabelled: split.unlabelled } };
}

/** The run's batch sampler; with --neighbours, --agreement or --spectral-labels it finds the neighbours first, on the selected kernels. */
async function samplerFor(
  r: ResolvedOptions,
  train: ImageSplit,
  split: LabelledSplit,
  arch: Architecture,
  log: (line: string) => void,
  progress: boolean,
): Promise<EpochSampler> {
  const warp = { shift: r.augment, rotate: r.augmentRotate, scale: r.augmentScale };
  const pairWarp = r.invariance > 0 ? INVARIANCE_WARP : undefined;
  const pairTerms = r.neighbours > 0 || r.agreement > 0;
  const neighbours = pairTerms || r.spectralLabels ? await neighbourTable(train, r.neighbourSpace, arch, log, progress) : undefined;
  const drawn = neighbours && r.spectralLabels ? spectralLabelled(train, split, neighbours, r, log, progress) : { train, split };
  // Without the pair terms the second image is not drawn: --spectral-labels alone needs only the graph.
  const pairs = pairTerms ? neighbours : undefined;
  return new EpochSampler(drawn.train, drawn.split, arch, r.batch, r.noiseStd, warp, r.vat > 0, pairWarp, pairs);
}

/**
 * The stepper for `backend`: GPU-resident on webgpu (with `train`'s images on the GPU too), else
 * one replica per gradient buffer of `state` (worker threads when several).
 */
export async function startStepper(state: TrainingState, settings: PhaseSettings, backend: string, train?: ImageSplit): Promise<Stepper> {
  if (backend === 'webgpu') return new GpuStepper(state, settings, REPORT_EVERY, train);
  return state.grads.length > 1 ? ParallelStepper.start(state, settings, backend) : new LocalStepper(state, settings);
}

/** Loads data and state and starts the stepper; bad options or data fail before the slower backend start. */
export async function prepareRun(options: TrainOptions, log: (line: string) => void): Promise<Run> {
  // The run directory comes first: a resumed run rereads the data it stored.
  const { ds, runDir, prior, options: o } = await loadRunData(options, log);
  const r = runOptions(o, ds, runDir, prior?.resume);
  const px = pixelsPerImage(ds);
  const classes = Math.max(1, ds.classNames.length);
  const { rest: trainSplit, held } = validationSplit(limitSplit(ds.train, r.trainLimit, px), classes, r.validation, px);
  const arch = prior?.manifest.architecture ?? architectureFor(r, ds, trainSplit);
  const data: Dataset = { ...ds, train: trainSplit, test: ds.test && limitSplit(ds.test, r.testLimit, px), validation: held };
  if (prior) checkSameData(ds, prior.resume, trainSplit.count, arch);
  else checkNewRunDir(r.runDir);
  const split = prior
    ? splitFromLabelled(Int32Array.from(prior.resume.labelled), trainSplit.count)
    : balancedSplit(trainSplit.labels, classes, r.labels, r.seed);
  if (split.unlabelled.length < r.batch)
    throw new UserError(`only ${split.unlabelled.length} unlabelled training images for a batch of ${r.batch}; lower --batch or --labels`);

  const backend = await selectBackend(options.backend ?? 'auto');
  log(`backend: ${backend.name} (${backend.reason})`);
  // Recorded with the run: the two kernels round differently (kernels/wasm-matmul.ts).
  let ranOn = backend.name;
  if (backend.name === 'wasm') {
    const gemm = selectGemm(options.gemm ?? 'auto');
    log(`products: ${gemm.name} (${gemm.reason})`);
    ranOn = `wasm, ${gemm.name} products`;
  }
  const sampler = await samplerFor(r, trainSplit, split, arch, log, options.progress !== false);
  r.replicas = replicasFor(options.replicas ?? r.replicas, backend.name, r.batch);
  const rng = prior ? new Rng(prior.resume.rng) : new Rng(r.seed);
  const state = prior?.state.withReplicas(r.replicas) ?? new TrainingState(arch, initialWeights(arch, rng, r.headDistance), r.replicas);
  const { denseImpl: impl, headDistance, vat, balance, confidence, invariance, neighbours, agreement, stylePrior, reconstructY } = r;
  const settings = { arch, impl, headDistance, vat, balance, confidence, invariance, neighbours, agreement, stylePrior, reconstructY };
  const stepper = await startStepper(state, settings, backend.name, trainSplit);
  const info = {
    arch,
    classNames: ds.classNames,
    datasetName: ds.name,
    labels: split.labelled.length,
    seed: r.seed,
    backend: ranOn,
  };
  return { r, full: ds, data, arch, backend, split, sampler, rng, state, stepper, info, totalSteps: r.epochs * sampler.iterations, prior };
}
