/**
 * `pnpm bench:train`: ms per phase and seconds per 60k-image epoch at batch 100 on real MNIST
 * batches, for the custom dense layers (feature-major, custom gradient) and the naive ones (tfjs default,
 * transpose flags), on one replica and on two data-parallel worker replicas, with the ratios
 * measured in the same run.
 * Flags: --backend NAME (default auto), --iterations N (default 12), --naive-iterations N (default 4).
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { type BackendName, loadMnistDataset, selectBackend } from '../src/index.ts';
import { EpochSampler } from '../src/step/batch-sampler.ts';
import { balancedSplit } from '../src/data/labelled-split.ts';
import type { DenseImpl } from '../src/model/dense.ts';
import { initialWeights } from '../src/model/model.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { PHASES } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { ParallelStepper } from '../src/step/parallel-stepper.ts';
import { LocalStepper, type Stepper, TrainingState } from '../src/step/stepper.ts';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'auto' }, iterations: { type: 'string', default: '12' }, 'naive-iterations': { type: 'string', default: '4' } } });
const backend = await selectBackend(values.backend as BackendName);
console.log(`backend: ${backend.name} (${backend.reason})`);
const ds = await loadMnistDataset();
const opts = resolveOptions({}, ds);
const arch = architectureFor(opts, ds);
const split = balancedSplit(ds.train.labels, 10, opts.labels, 1);
const ITERATIONS_PER_EPOCH = 60_000 / opts.batch;
const WARMUP = 2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(impl: DenseImpl, replicas: number, iterations: number): Promise<{ phases: Record<string, number>; iteration: number }> {
  const rng = new Rng(1);
  const state = new TrainingState(arch, initialWeights(arch, rng, opts.headDistance));
  const sampler = new EpochSampler(ds.train, split, arch, opts.batch, opts.noiseStd);
  const settings = { arch, impl, headDistance: opts.headDistance };
  const stepper: Stepper = replicas > 1 ? await ParallelStepper.start(state, settings, backend.name) : new LocalStepper(state, settings);
  sampler.startEpoch(rng);
  const perPhase: Record<string, number[]> = {};
  const totals: number[] = [];
  for (let i = 0; i < WARMUP + iterations; i++) {
    const batch = sampler.next(i, rng);
    const t0 = performance.now();
    const report = await stepper.step(batch, opts.lr);
    if (i < WARMUP) continue;
    totals.push(performance.now() - t0);
    for (const [p, r] of Object.entries(report)) (perPhase[p] ??= []).push(r.ms!);
  }
  await stepper.dispose();
  return { phases: Object.fromEntries(Object.entries(perPhase).map(([p, xs]) => [p, median(xs)])), iteration: median(totals) };
}

const custom = await measure('custom', 1, Number(values.iterations));
const naive = await measure('naive', 1, Number(values['naive-iterations']));
const parallel = await measure('custom', 2, Number(values.iterations));
const row = (name: string, r: typeof custom) =>
  `${name.padEnd(20)} ${PHASES.map((p) => (r.phases[p] ?? NaN).toFixed(0).padStart(14)).join('')} ${r.iteration.toFixed(0).padStart(10)} ${((r.iteration * ITERATIONS_PER_EPOCH) / 1000).toFixed(0).padStart(12)}`;
console.log(`\nms per phase (median; each includes its Adam update), batch ${opts.batch}, hidden ${arch.hidden.join('-')}, ${availableParallelism()} cores`);
console.log(`${'dense / replicas'.padEnd(20)} ${PHASES.map((p) => p.padStart(14)).join('')} ${'ms/iter'.padStart(10)} ${'s/60k epoch'.padStart(12)}`);
console.log(row('naive, 1 replica', naive));
console.log(row('custom, 1 replica', custom));
console.log(row('custom, 2 replicas', parallel));
console.log(`\nnaive / custom (1 replica): ${(naive.iteration / custom.iteration).toFixed(2)}× per iteration`);
console.log(`1 replica / 2 replicas (custom): ${(custom.iteration / parallel.iteration).toFixed(2)}× per iteration`);
