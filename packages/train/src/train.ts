/**
 * The training loop: data, labelled split, model and optimizer state (fresh or resumed), then
 * per epoch: iterations of the four phases, evaluation on the test set, an atomic checkpoint,
 * a metrics.jsonl line and map.png.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type Manifest, MANIFEST, Progress, UserError, writeScatterPng } from '@aae-map/shared';
import { type BackendChoice, selectBackend } from './backend.ts';
import { EpochSampler } from './batch-sampler.ts';
import { loadForResume, type ResumeState, saveCheckpoint } from './checkpoint.ts';
import { type Dataset, limitSplit } from './data/dataset.ts';
import { loadIdxDataset, loadMnistDataset } from './data/idx-dataset.ts';
import { balancedSplit, splitFromLabelled } from './data/labelled-split.ts';
import { evaluateEpoch } from './epoch-eval.ts';
import { EpochAccumulator, type EpochMetrics, formatEpoch } from './epoch-metrics.ts';
import { initialWeights, TfWeights } from './model.ts';
import { architectureFor, replicasFor, type ResolvedOptions, resolveOptions, type TrainOptions } from './options.ts';
import { headRows, projectionFor } from './projection.ts';
import { Rng } from './rng.ts';
import { learningRate } from './schedule.ts';
import { ParallelStepper } from './parallel-stepper.ts';
import { LocalStepper, type Stepper, TrainingState } from './stepper.ts';

export interface TrainResult {
  runDir: string;
  /** The manifest of the last checkpoint. */
  manifest: Manifest;
  /** Metrics of the epochs this call ran (metrics.jsonl holds all of them). */
  metrics: EpochMetrics[];
  backend: BackendChoice;
}

/** Resumed runs keep their stored options; only the epoch count may grow. */
function runOptions(o: TrainOptions, ds: Dataset, runDir: string, prior?: ResumeState): ResolvedOptions {
  if (!prior) return { ...resolveOptions(o, ds), runDir };
  const r = { ...prior.options, runDir, epochs: o.epochs ?? prior.options.epochs };
  if (!(Number.isInteger(r.epochs) && r.epochs >= 1)) throw new UserError(`--epochs must be a whole number >= 1, got ${r.epochs}`);
  return r;
}

function checkSameData(ds: Dataset, prior: ResumeState, trainCount: number): void {
  const d = prior.dataset;
  if (d.name !== ds.name || d.trainCount !== trainCount || d.height !== ds.height || d.width !== ds.width) {
    throw new UserError(`the run was trained on ${d.name} (${d.trainCount} images of ${d.height}×${d.width}); resume it with the same data`);
  }
}

/** Trains (or resumes) a run; see TrainOptions for every setting and its default. */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // The run directory comes first: a resumed run rereads the IDX files it stored.
  let ds = options.dataset ?? (options.data ? await loadIdxDataset(options.data) : undefined);
  let runDir = options.runDir ?? (options.name ? `runs/${options.name}` : undefined);
  if (!runDir) runDir = resolveOptions(options, (ds ??= await loadMnistDataset())).runDir;
  const prior = options.resume ? await loadForResume(runDir) : undefined;
  ds ??= prior?.resume.data ? await loadIdxDataset(prior.resume.data) : await loadMnistDataset();
  const r = runOptions(options, ds, runDir, prior?.resume);
  const arch = prior?.manifest.architecture ?? architectureFor(r, ds);
  const px = arch.inputHeight * arch.inputWidth;
  const trainSplit = limitSplit(ds.train, r.trainLimit, px);
  const data: Dataset = { ...ds, train: trainSplit, test: ds.test && limitSplit(ds.test, r.testLimit, px) };
  if (prior) checkSameData(ds, prior.resume, trainSplit.count);
  else if (existsSync(join(r.runDir, MANIFEST))) {
    throw new UserError(`${r.runDir} already holds a run; pass --resume to continue it, or choose another --name or --out`);
  }

  // Bad options and data fail above, before the slower backend start.
  const backend = await selectBackend(options.backend ?? 'auto');
  log(`backend: ${backend.name} (${backend.reason})`);
  const split = prior
    ? splitFromLabelled(Int32Array.from(prior.resume.labelled), trainSplit.count)
    : balancedSplit(trainSplit.labels, Math.max(1, ds.classNames.length), r.labels, r.seed);
  const sampler = new EpochSampler(trainSplit, split, arch, r.batch, r.noiseStd);
  if (sampler.iterations < 1) throw new UserError(`only ${split.unlabelled.length} unlabelled training images for a batch of ${r.batch}; lower --batch or --labels`);

  const rng = prior ? new Rng(prior.resume.rng) : new Rng(r.seed);
  r.replicas = replicasFor(options.replicas ?? r.replicas, backend.name, availableParallelism());
  if (r.replicas > 1 && r.batch < 2 * r.replicas) throw new UserError(`--batch ${r.batch} is too small to split over ${r.replicas} replicas`);
  const fresh = prior?.state ?? new TrainingState(arch, initialWeights(arch, rng, r.headDistance));
  const state = r.replicas > 1 ? fresh.toShared() : fresh;
  const settings = { arch, impl: r.denseImpl, headDistance: r.headDistance };
  const stepper: Stepper = r.replicas > 1 ? await ParallelStepper.start(state, settings, backend.name) : new LocalStepper(state, settings);
  const info = { arch, classNames: ds.classNames, datasetName: ds.name, labels: split.labelled.length, seed: r.seed, backend: backend.name };
  const totalSteps = r.epochs * sampler.iterations;
  let step = prior?.resume.step ?? 0;
  let metricsText = prior?.metrics ?? '';
  let manifest = prior?.manifest;
  const results: EpochMetrics[] = [];
  const first = (prior?.resume.epoch ?? 0) + 1;
  log(`run ${r.runDir}: ${trainSplit.count} training images (${split.labelled.length} labelled), ${data.test?.count ?? 0} test images, mode ${arch.mode}, epochs ${first}..${r.epochs}, ${sampler.iterations} iterations per epoch, ${r.replicas} replica${r.replicas > 1 ? 's on worker threads' : ''}`);
  try {
    for (let epoch = first; epoch <= r.epochs && !options.signal?.aborted; epoch++) {
      const t0 = performance.now();
      const acc = new EpochAccumulator();
      const bar = options.progress === false ? undefined : new Progress({ total: sampler.iterations * r.batch, unit: 'samples', label: `epoch ${epoch}/${r.epochs}` });
      sampler.startEpoch(rng);
      let lr = r.lr;
      for (let i = 0; i < sampler.iterations && !options.signal?.aborted; i++) {
        lr = learningRate(step, totalSteps, r.lr, r.lrFinal);
        acc.add(await stepper.step(sampler.next(i, rng), lr));
        step++;
        bar?.tick(r.batch, acc.brief());
      }
      bar?.finish();
      if (options.signal?.aborted) break;
      const trainSeconds = (performance.now() - t0) / 1000;
      const { projection, heads2d } = projectionFor(arch.mode, headRows(state.params.view('heads'), arch.clusters, arch.styleDim), arch.headScale);
      const ev = withEncoder(state, (w) => evaluateEpoch(w, arch, projection, data, split.labelled));
      const m = acc.metrics({ epoch, step, lr, seconds: (performance.now() - t0) / 1000, samples: sampler.iterations * r.batch, backend: backend.name, trainSeconds }, ev);
      log(formatEpoch(m, r.epochs));
      metricsText += `${JSON.stringify(m)}\n`;
      const resume = { epoch, step, totalSteps, rng: rng.state(), labelled: Array.from(split.labelled), options: r, data: options.data ?? prior?.resume.data, dataset: { name: ds.name, trainCount: trainSplit.count, testCount: data.test?.count ?? 0, height: ds.height, width: ds.width } };
      manifest = await saveCheckpoint(r.runDir, info, state, resume, metricsText);
      await writeScatterPng(join(r.runDir, 'map.png'), {
        points: ev.mapPoints,
        categories: ev.mapLabels,
        categoryNames: ds.classNames,
        heads: heads2d,
        title: `${r.name}: epoch ${epoch}, ${data.test ? 'test' : 'training'} images${m.testError === null ? '' : `, test error ${(100 * m.testError).toFixed(2)}%`}`,
      });
      results.push(m);
      options.onEpoch?.(m);
    }
  } finally {
    await stepper.dispose();
  }
  if (!manifest) throw new UserError(`stopped before the first epoch of ${r.runDir} completed; nothing was saved`);
  if (options.signal?.aborted) log(`stopped; ${r.runDir} holds ${manifest.epochs} complete epochs (continue with --resume)`);
  else if (results.length === 0) log(`${r.runDir} has already completed ${r.epochs} epochs; pass a larger --epochs to continue it`);
  return { runDir: r.runDir, manifest, metrics: results, backend };
}

/** Runs `f` with the encoder's current weights in tfjs, then frees them. */
function withEncoder<T>(state: TrainingState, f: (w: TfWeights['tensors']) => T): T {
  const w = new TfWeights();
  try {
    w.upload(state.params, state.params.names.filter((n) => n.startsWith('encoder/') || n === 'heads'));
    return f(w.tensors);
  } finally {
    w.dispose();
  }
}
