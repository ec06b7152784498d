/**
 * Child process of gpu-step.test.ts (the Vulkan driver is chosen by environment variables at
 * process start): runs the same few iterations with LocalStepper on wasm and GpuStepper on
 * webgpu, and the WGSL Adam against the host's, and prints what the test asserts on as JSON.
 */
import { loadMnistDataset, selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { adamRange } from '../src/kernels/simd-adam.ts';
import { adamInPlace } from '../src/kernels/webgpu-adam.ts';
import { countDispatches, countReads, requireWebgpuView, webgpuView } from '../src/kernels/webgpu-internals.ts';
import { adamStepScalars } from '../src/model/adam.ts';
import { initialWeights } from '../src/model/model.ts';
import { PHASES } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { EpochSampler } from '../src/step/batch-sampler.ts';
import { GpuStepper } from '../src/step/gpu-stepper.ts';
import { ADAM, type IterationReport, LocalStepper, type Stepper, TrainingState } from '../src/step/stepper.ts';

const ITERATIONS = 4;
const REPORT_EVERY = 2;
const LR = 1e-3;

const auto = await selectBackend('auto');
const mnist = await loadMnistDataset();
const opts = resolveOptions({ hidden: [32, 32], styleDim: 2, labels: 120, batch: 120, vat: 1 }, mnist);
const arch = architectureFor(opts, mnist);
const train = { ...mnist.train, count: 600, labels: mnist.train.labels.subarray(0, 600) };
const sampler = new EpochSampler(train, balancedSplit(train.labels, 10, 120, 1), arch, opts.batch, opts.noiseStd, undefined, true);
const rng = new Rng(3);
const initial = initialWeights(arch, rng, opts.headDistance);
sampler.startEpoch(rng);
const batches = Array.from({ length: ITERATIONS }, (_, i) => sampler.next(i, rng));
const settings = { arch, impl: opts.denseImpl, headDistance: opts.headDistance, vat: opts.vat };

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((mx, x, i) => Math.max(mx, Math.abs(x - b[i]!)), 0);
const maxAbs = (a: Float32Array) => a.reduce((mx, x) => Math.max(mx, Math.abs(x)), 0);

/** The slots as one array per state: weights, then each phase's m and v. */
const flat = (s: TrainingState) => [s.params.data, ...PHASES.flatMap((p) => [s.optimizers[p].m.data, s.optimizers[p].v.data])];

async function run(make: (s: TrainingState) => Stepper, perStep?: () => void) {
  const state = new TrainingState(arch, initial);
  const stepper = make(state);
  const reports: IterationReport[] = [];
  for (const b of batches) {
    reports.push(await stepper.step(b, LR));
    perStep?.();
  }
  reports.push(...(await stepper.settle()));
  await stepper.dispose();
  return { state, reports };
}

await selectBackend('wasm');
const wasmHasView = webgpuView(tf.backend()) !== undefined;
const local = await run((s) => new LocalStepper(s, settings));

await selectBackend('webgpu');
const backend = tf.backend();
const reads = countReads(backend);
const dispatches = countDispatches(backend);
const perIteration: Array<{ reads: number; dispatches: number; tensors: number }> = [];
let last = { reads: 0, dispatches: 0 };
const gpu = await run(
  (s) => new GpuStepper(s, settings, REPORT_EVERY),
  () => {
    const now = { reads: reads.reads(), dispatches: dispatches.dispatches() };
    perIteration.push({ reads: now.reads - last.reads, dispatches: now.dispatches - last.dispatches, tensors: tf.memory().numTensors });
    last = now;
  },
);
const settleReads = reads.reads() - last.reads;
reads.restore();
dispatches.restore();

/** The same iterations in two GpuSteppers, the second started from the first's settled state (as a resumed run is). */
async function resumed(): Promise<TrainingState> {
  const state = new TrainingState(arch, initial);
  const half = ITERATIONS / 2;
  for (const part of [batches.slice(0, half), batches.slice(half)]) {
    const stepper = new GpuStepper(state, settings, REPORT_EVERY);
    for (const b of part) await stepper.step(b, LR);
    await stepper.settle();
    await stepper.dispose();
  }
  return state;
}
const resumedSlots = flat(await resumed());

/**
 * The WGSL Adam on a buffer packed [p | m₁ | v₁ | m₂ | v₂], three steps on the second slot,
 * against adamRange on the host: the largest differences of p, m₂ and v₂, and of the first slot (which must stay 0).
 */
async function adamAgainstHost() {
  const n = 1000;
  const r = new Rng(7);
  const [p, m] = [0, 0].map(() => r.fillNormal(new Float32Array(n), 0.5)) as [Float32Array, Float32Array];
  const v = r.fillNormal(new Float32Array(n), 0.5).map((x) => x * x);
  const packed = new Float32Array(5 * n);
  packed.set(p);
  packed.set(m, 3 * n);
  packed.set(v, 4 * n);
  const buffer = requireWebgpuView(tf.backend()).bufferWith(packed);
  const weight = tf.tensor({ buffer, zeroCopy: true }, [n], 'float32');
  for (let t = 1; t <= 3; t++) {
    const g = r.fillNormal(new Float32Array(n), 0.1);
    const s = adamStepScalars(ADAM, LR * t, t);
    const grad = tf.tensor1d(g);
    adamInPlace(weight, grad, 3 * n, s);
    grad.dispose();
    adamRange(p, g, g, m, v, 0, n, { ...s, wa: 1, wb: 0 });
  }
  const view = tf.tensor({ buffer, zeroCopy: true }, [5 * n], 'float32');
  const out = (await view.data()) as Float32Array;
  tf.dispose([view, weight]);
  const part = (k: number, len = 1) => out.subarray(k * n, (k + len) * n);
  return {
    p: maxDiff(part(0), p),
    m: maxDiff(part(3), m),
    v: maxDiff(part(4), v),
    otherSlot: maxAbs(part(1, 2)),
    moved: maxDiff(part(0), packed.subarray(0, n)),
  };
}

/**
 * Selects webgpu again (as bench:train does for each configuration), lets the collector run
 * (the child runs with --expose-gc) and multiplies on the GPU: 256·256·256 when the device tfjs
 * holds survived.
 */
async function reselected(): Promise<number> {
  await selectBackend('webgpu');
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const a = tf.ones([256, 256]);
  const total = tf.sum(tf.matMul(a, a));
  const value = (await total.data())[0]!;
  tf.dispose([a, total]);
  return value;
}

const [lf, gf] = [flat(local.state), flat(gpu.state)];
process.stdout.write(
  `${JSON.stringify({
    config: { iterations: ITERATIONS, reportEvery: REPORT_EVERY, lr: LR },
    wasmHasView,
    reselected: await reselected(),
    auto,
    adam: await adamAgainstHost(),
    slots: lf.map((a, i) => ({ maxDiff: maxDiff(a, gf[i]!), maxAbs: maxAbs(a) })),
    resumedDiff: Math.max(...gf.map((a, i) => maxDiff(a, resumedSlots[i]!))),
    steps: PHASES.map((p) => [local.state.optimizers[p].t, gpu.state.optimizers[p].t]),
    localReports: local.reports,
    gpuReports: gpu.reports,
    perIteration,
    settleReads,
    weightTensors: local.state.params.names.length,
  })}\n`,
);
