/**
 * The training loop: per epoch, iterations of the four phases, then evaluation on the test set,
 * an atomic checkpoint, a metrics.jsonl line and map.png.
 */
import { join } from 'node:path';
import { type Manifest, Progress, UserError } from '@aae-map/shared';
import { writeScatterPng } from '@aae-map/shared/plot';
import type { BackendChoice } from '../backend.ts';
import { TfWeights } from '../model/model.ts';
import type { TrainingState } from '../step/stepper.ts';
import { saveCheckpoint } from './checkpoint.ts';
import { evaluateEpoch } from './epoch-eval.ts';
import { EpochAccumulator, type EpochMetrics, formatEpoch } from './epoch-metrics.ts';
import { mapLayout } from './map-layout.ts';
import type { TrainOptions } from './options.ts';
import { prepareRun, type Run } from './run-setup.ts';
import { learningRate } from './schedule.ts';

export interface TrainResult {
  runDir: string;
  /** The manifest of the last checkpoint. */
  manifest: Manifest;
  /** Metrics of the epochs this call ran (metrics.jsonl holds all of them). */
  metrics: EpochMetrics[];
  backend: BackendChoice;
}

/** Trains (or resumes) a run; see TrainOptions for every setting and its default. */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const run = await prepareRun(options, log);
  const { r, prior } = run;
  let step = prior?.resume.step ?? 0;
  let metricsText = prior?.metrics ?? '';
  let manifest = prior?.manifest;
  const results: EpochMetrics[] = [];
  const first = (prior?.resume.epoch ?? 0) + 1;
  log(
    `run ${r.runDir}: ${run.data.train.count} training images (${run.split.labelled.length} labelled), ${run.data.test?.count ?? 0} test images, ` +
      `mode ${run.arch.mode}, epochs ${first}..${r.epochs}, ${run.sampler.iterations} iterations per epoch, ${r.replicas} replica${r.replicas! > 1 ? 's on worker threads' : ''}`,
  );
  try {
    for (let epoch = first; epoch <= r.epochs && !options.signal?.aborted; epoch++) {
      const t0 = performance.now();
      const trained = await trainEpoch(run, epoch, step, options);
      if (!trained) break;
      step = trained.step;
      const end = await endEpoch(run, epoch, trained, t0, metricsText, options.data ?? prior?.resume.data);
      log(formatEpoch(end.metrics, r.epochs));
      ({ manifest, metricsText } = end);
      results.push(end.metrics);
      options.onEpoch?.(end.metrics);
    }
  } finally {
    await run.stepper.dispose();
  }
  if (!manifest) throw new UserError(`stopped before the first epoch of ${r.runDir} completed; nothing was saved`);
  if (options.signal?.aborted) log(`stopped; ${r.runDir} holds ${manifest.epochs} complete epochs (continue with --resume)`);
  else if (results.length === 0) log(`${r.runDir} has already completed ${r.epochs} epochs; pass a larger --epochs to continue it`);
  return { runDir: r.runDir, manifest, metrics: results, backend: run.backend };
}

interface TrainedEpoch {
  acc: EpochAccumulator;
  step: number;
  lr: number;
  trainSeconds: number;
}

/** One pass over the unlabelled images; undefined if aborted part-way (the epoch is then dropped). */
async function trainEpoch(run: Run, epoch: number, step: number, options: TrainOptions): Promise<TrainedEpoch | undefined> {
  const { r, sampler, rng, stepper } = run;
  const t0 = performance.now();
  const acc = new EpochAccumulator();
  const bar =
    options.progress === false
      ? undefined
      : new Progress({ total: sampler.iterations * r.batch, unit: 'samples', label: `epoch ${epoch}/${r.epochs}` });
  sampler.startEpoch(rng);
  let lr = r.lr;
  // The next batch is drawn while the replica workers run this one (the same draws, in the same order).
  let batch = sampler.nextFor(stepper, 0, rng);
  for (let i = 0; i < sampler.iterations; i++) {
    if (options.signal?.aborted) return undefined;
    lr = learningRate(step, run.totalSteps, r.lr, r.lrFinal);
    const report = stepper.step(batch, lr);
    if (i + 1 < sampler.iterations) batch = sampler.nextFor(stepper, i + 1, rng);
    acc.add(await report);
    step++;
    bar?.tick(r.batch, acc.brief());
  }
  for (const report of await stepper.settle()) acc.add(report);
  bar?.finish();
  return { acc, step, lr, trainSeconds: (performance.now() - t0) / 1000 };
}

/** Evaluates, commits the checkpoint with the new metrics line, and draws map.png. */
async function endEpoch(run: Run, epoch: number, t: TrainedEpoch, t0: number, metricsText: string, data: TrainOptions['data']) {
  const { r, arch, state, full } = run;
  const { map, ev } = await withEncoder(state, async (w) => {
    const map = await mapLayout(w, arch, state.params.view('heads'), run.data.train);
    return { map, ev: await evaluateEpoch(w, arch, map.projection, run.data, run.split.labelled) };
  });
  const samples = run.sampler.iterations * r.batch;
  const metrics = t.acc.metrics(
    {
      epoch,
      step: t.step,
      lr: t.lr,
      seconds: (performance.now() - t0) / 1000,
      trainSeconds: t.trainSeconds,
      samples,
      backend: run.info.backend,
    },
    ev,
  );
  const text = `${metricsText}${JSON.stringify(metrics)}\n`;
  const dataset = {
    name: full.name,
    trainCount: run.data.train.count,
    testCount: run.data.test?.count ?? 0,
    height: full.height,
    width: full.width,
  };
  const resume = {
    epoch,
    step: t.step,
    totalSteps: run.totalSteps,
    rng: run.rng.state(),
    labelled: Array.from(run.split.labelled),
    options: r,
    data,
    dataset,
  };
  const manifest = await saveCheckpoint(r.runDir, run.info, state, map, resume, text);
  const error = metrics.testError === null ? '' : `, test error ${(100 * metrics.testError).toFixed(2)}%`;
  await writeScatterPng(join(r.runDir, 'map.png'), {
    points: ev.mapPoints,
    categories: ev.mapLabels,
    categoryNames: full.classNames,
    heads: map.heads2d,
    title: `${r.name}: epoch ${epoch}, ${run.data.test ? 'test' : 'training'} images${error}`,
  });
  return { metrics, manifest, metricsText: text };
}

/** Runs `f` with the encoder's current weights in tfjs, then frees them. */
async function withEncoder<T>(state: TrainingState, f: (w: TfWeights['tensors']) => Promise<T>): Promise<T> {
  const w = new TfWeights();
  try {
    w.upload(
      state.params,
      state.params.names.filter((n) => n.startsWith('encoder/') || n === 'heads'),
    );
    return await f(w.tensors);
  } finally {
    w.dispose();
  }
}
