/**
 * Child process of gpu-step.test.ts (the Vulkan driver is chosen by environment variables at
 * process start): runs the same few iterations with LocalStepper on wasm (batches gathered and
 * warped on the host) and GpuStepper on webgpu (the same draws gathered and warped on the GPU),
 * the WGSL Adam against the host's and the GPU's batches against the host's, and prints what
 * the test asserts on as JSON.
 */
import { type Architecture, inputValuesOf } from '@aae-map/shared';
import { type Dataset, loadMnistDataset, selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSplit } from '../src/data/dataset.ts';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { adamRange } from '../src/kernels/simd-adam.ts';
import { adamInPlace } from '../src/kernels/webgpu-adam.ts';
import { countDispatches, countReads, countUploads, requireWebgpuView, webgpuView } from '../src/kernels/webgpu-internals.ts';
import { adamStepScalars } from '../src/model/adam.ts';
import { initialWeights } from '../src/model/model.ts';
import { PHASES } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import type { Warp } from '../src/step/augment.ts';
import { type BatchDraw, EpochSampler } from '../src/step/batch-sampler.ts';
import { GpuImages } from '../src/step/gpu-images.ts';
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
const split = balancedSplit(train.labels, 10, 120, 1);
const WARP = { shift: 2, rotate: 15, scale: 0.1 };
const sampler = new EpochSampler(train, split, arch, opts.batch, opts.noiseStd, WARP, true);
const rng = new Rng(3);
const initial = initialWeights(arch, rng, opts.headDistance);
sampler.startEpoch(rng);
const draws = Array.from({ length: ITERATIONS }, (_, i) => sampler.draw(i, rng));
const settings = { arch, impl: opts.denseImpl, headDistance: opts.headDistance, vat: opts.vat };

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((mx, x, i) => Math.max(mx, Math.abs(x - b[i]!)), 0);
const maxAbs = (a: Float32Array) => a.reduce((mx, x) => Math.max(mx, Math.abs(x)), 0);

/** The slots as one array per state: weights, then each phase's m and v. */
const flat = (s: TrainingState) => [s.params.data, ...PHASES.flatMap((p) => [s.optimizers[p].m.data, s.optimizers[p].v.data])];

async function run(make: (s: TrainingState) => Stepper, perStep?: () => void) {
  const state = new TrainingState(arch, initial);
  const stepper = make(state);
  const reports: IterationReport[] = [];
  for (const d of draws) {
    reports.push(await stepper.step(sampler.batchFor(stepper, d), LR));
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
let gpuImages = false;
const perIteration: Array<{ reads: number; dispatches: number; tensors: number; data: number; uniforms: number }> = [];
let last = { reads: 0, dispatches: 0, data: 0, uniforms: 0 };
let uploads = countUploads(backend);
const gpu = await run(
  (s) => {
    const stepper = new GpuStepper(s, settings, REPORT_EVERY, train);
    gpuImages = stepper.images !== undefined;
    uploads.restore();
    uploads = countUploads(backend); // from the first iteration on, the set and the weights uploaded
    return stepper;
  },
  () => {
    const now = { reads: reads.reads(), dispatches: dispatches.dispatches(), data: uploads.data(), uniforms: uploads.uniforms() };
    const diff = (k: keyof typeof now) => now[k] - last[k];
    perIteration.push({
      ...Object.fromEntries((['reads', 'dispatches', 'data', 'uniforms'] as const).map((k) => [k, diff(k)])),
      tensors: tf.memory().numTensors,
    } as (typeof perIteration)[number]);
    last = now;
  },
);
const settleReads = reads.reads() - last.reads;
reads.restore();
dispatches.restore();
uploads.restore();

/** Bytes of tensor data uploaded by the second of two iterations of a GpuStepper given host batches (without the training set). */
async function hostBatchUploads(): Promise<number> {
  const stepper = new GpuStepper(new TrainingState(arch, initial), settings, REPORT_EVERY);
  let counted = 0;
  for (const d of draws.slice(0, 2)) {
    const up = countUploads(tf.backend());
    await stepper.step(sampler.hostBatch(d), LR);
    counted = up.data();
    up.restore();
  }
  await stepper.settle();
  await stepper.dispose();
  return counted;
}

/** Bytes of the host's per-iteration arrays in a draw (indices, prior samples, noise, labels, VAT directions) and of its warps as the GPU takes them. */
function drawBytes(d: BatchDraw): number {
  const arrays = Object.values(d).filter((v): v is Float32Array | Int32Array => v instanceof Float32Array || v instanceof Int32Array);
  const warps = [d.warpsU, d.warpsL].reduce((sum, w) => sum + (w ? w.params.length * 16 : 0), 0);
  return arrays.reduce((sum, a) => sum + a.byteLength, warps);
}

/** The first `count` training digits as RGB images whose three channels differ (p, 255 − p, 7p mod 256). */
function rgbDigits(count: number): Dataset {
  const px = 28 * 28;
  const pixels = new Uint8Array(count * px * 3);
  for (let i = 0; i < count * px; i++) {
    const p = mnist.train.pixels[i]!;
    pixels.set([p, 255 - p, (7 * p) % 256], 3 * i);
  }
  return { ...mnist, channels: 3, train: { pixels, count, labels: mnist.train.labels.subarray(0, count) } };
}

/**
 * The GPU's batch against the host's for the same draw, for no augmentation, whole-pixel shifts
 * and warps, and warps of RGB images: the largest difference over the unlabelled and labelled
 * images of one batch.
 */
async function batchesAgainstHost(): Promise<Record<string, number>> {
  const rgb = rgbDigits(train.count);
  const rgbArch = architectureFor(resolveOptions({ ...opts }, rgb), rgb);
  const out: Record<string, number> = {};
  const cases = {
    none: [train, arch, undefined],
    shift: [train, arch, { shift: 2, rotate: 0, scale: 0 }],
    warp: [train, arch, WARP],
    rgb: [rgb.train, rgbArch, WARP],
    // --invariance's second copy of the unlabelled images, under its own warp.
    pair: [train, arch, undefined, WARP],
  } as const;
  for (const [name, [set, a, warp, pairWarp]] of Object.entries(cases) as Array<
    [string, readonly [ImageSplit, Architecture, Warp?, Warp?]]
  >) {
    const images = GpuImages.upload(set, a)!;
    const s = new EpochSampler(set, split, a, opts.batch, opts.noiseStd, warp, false, pairWarp);
    const r = new Rng(5);
    s.startEpoch(r);
    const d = s.draw(0, r);
    const [host, onGpu] = [s.hostBatch(d), images.batch(d)];
    const pairs: Array<[Float32Array, tf.Tensor2D]> = [
      [host.xU, onGpu.xU],
      [host.xL!, onGpu.xL!],
    ];
    if (pairWarp) pairs.push([host.xU2!, onGpu.xU2!]);
    const values = await Promise.all(pairs.map(([, t]) => t.data()));
    tf.dispose(pairs.map(([, t]) => t));
    images.dispose();
    out[name] = Math.max(...pairs.map(([h], i) => maxDiff(h, values[i] as Float32Array)));
  }
  return out;
}

/** The same iterations in two GpuSteppers, the second started from the first's settled state (as a resumed run is). */
async function resumed(): Promise<TrainingState> {
  const state = new TrainingState(arch, initial);
  const half = ITERATIONS / 2;
  for (const part of [draws.slice(0, half), draws.slice(half)]) {
    const stepper = new GpuStepper(state, settings, REPORT_EVERY, train);
    for (const d of part) await stepper.step(stepper.gather(d)!, LR);
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
    gpuImages,
    batches: await batchesAgainstHost(),
    drawBytes: drawBytes(draws[0]!),
    hostBatchData: await hostBatchUploads(),
    imageBytes: opts.batch * inputValuesOf(arch) * 4,
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
