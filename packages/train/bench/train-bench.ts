/**
 * `pnpm bench:train`: ms per iteration and s per 60k-image epoch at batch 100 on real MNIST
 * batches, for each backend that loads here (wasm and cpu with 1, 2, … worker replicas up to the
 * count a run would choose; webgpu where there is an adapter; tfjs-node where its binding is
 * installed), beside PyTorch running the same iteration (torch-peer.ts) and the ratio of each to
 * it. Rounds alternate (ours, PyTorch, ours, PyTorch, …) so that drift on a shared machine hits
 * both; the table gives medians over the rounds, and each ratio is the median of the rounds' own.
 * Flags: --rounds N (3), --iterations N (12, after 2 warm-up), --backends LIST (tensorflow-gpu,
 * tensorflow,webgpu,wasm; cpu, tfjs's plain-JS backend, only when named), --replicas LIST (default
 * 1 up to replicasFor's count), --gemms LIST (openblas,onnxruntime,wasm: the products' kernels on wasm, each
 * timed), --default-recipe (VAT and warps as `pnpm train` has them; PyTorch's iteration stays plain),
 * --naive-iterations N (0: off; tfjs's default dense gradient, one
 * replica, for comparison), --peer PATH (default $AAE_TORCH_PEER). webgpu runs the GPU-resident
 * step (batches gathered and warped on the GPU from the host's draws) and also prints its dispatches, GPU→host reads and
 * host→GPU bytes per iteration.
 * `--to-error E [--epochs N] [--backend B]` times training to a test error instead (to-error.ts).
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { UserError } from '@aae-map/shared';
import * as tf from '@tensorflow/tfjs-core';
import { GEMMS, type GemmName } from '../src/backend-names.ts';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { type BackendName, loadMnistDataset, selectBackend } from '../src/index.ts';
import { selectGemm } from '../src/kernels/wasm-matmul.ts';
import { countDispatches, countReads, countUploads } from '../src/kernels/webgpu-internals.ts';
import type { DenseImpl } from '../src/model/dense.ts';
import { initialWeights } from '../src/model/model.ts';
import { PHASES } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { replicasFor } from '../src/run/replicas.ts';
import { startStepper } from '../src/run/run-setup.ts';
import { type BatchDraw, EpochSampler } from '../src/step/batch-sampler.ts';
import { type Stepper, TrainingState } from '../src/step/stepper.ts';
import { formatToError, trainToError } from './to-error.ts';
import { findTorchPeer } from './torch-peer.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    iterations: { type: 'string', default: '12' },
    backends: { type: 'string', default: 'tensorflow-gpu,tensorflow,webgpu,wasm' },
    replicas: { type: 'string' },
    gemms: { type: 'string', default: 'openblas,onnxruntime,wasm' },
    'naive-iterations': { type: 'string', default: '0' },
    'default-recipe': { type: 'boolean', default: false },
    peer: { type: 'string' },
    'to-error': { type: 'string' },
    epochs: { type: 'string', default: '20' },
    backend: { type: 'string', default: 'auto' },
  },
});
const count = (name: string, v: string, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got ${v}`);
  return n;
};
if (values['to-error'] !== undefined) {
  const o = { target: Number(values['to-error']), epochs: count('epochs', values.epochs, 1), backend: values.backend as BackendName };
  if (!(o.target > 0 && o.target < 100)) throw new Error(`--to-error must be a test error in percent, got ${values['to-error']}`);
  console.log(formatToError(o, await trainToError(o)));
  process.exit(0);
}
const rounds = count('rounds', values.rounds, 1);
const iterations = count('iterations', values.iterations, 1);
const fullRecipe = values['default-recipe'];
const naiveIterations = count('naive-iterations', values['naive-iterations'], 0);
const peerScript = values.peer ?? process.env.AAE_TORCH_PEER;
const requestedReplicas = values.replicas?.split(',').map((v) => count('replicas', v, 1));

const ds = await loadMnistDataset();
// The PyTorch peer's layers are 1000 wide, whatever the training default is.
const opts = resolveOptions({ hidden: [1000, 1000] }, ds);
const arch = architectureFor(opts, ds);
const split = balancedSplit(ds.train.labels, 10, opts.labels, 1);
const ITERATIONS_PER_EPOCH = 60_000 / opts.batch;
const WARMUP = 2;

interface Config {
  backend: string;
  /** The products' kernels, on wasm. */
  gemm?: Kernels;
  replicas: number;
  impl: DenseImpl;
  iterations: number;
  label: string;
  short: string;
}

interface Timing {
  phases: Record<string, number>;
  iteration: number;
  /** Per iteration, on webgpu. */
  counts?: { reads: number; dispatches: number; data: number; uniforms: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length / 2;
  return s.length % 2 ? s[Math.floor(mid)]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The configurations to time: every requested backend that loads, each with its replica counts. */
async function configs(): Promise<Config[]> {
  const out: Config[] = [];
  for (const backend of values.backends.split(',') as BackendName[]) {
    try {
      await selectBackend(backend);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      console.log(`${backend}: not measured (${err.message})`);
      continue;
    }
    const perCore = backend === 'wasm' || backend === 'cpu';
    const top = replicasFor(undefined, backend, opts.batch);
    const counts = perCore ? (requestedReplicas ?? Array.from({ length: top }, (_, i) => i + 1)) : [1];
    for (const gemm of backend === 'wasm' ? gemms() : [undefined]) {
      const kernels = gemm ? ` (${gemm} gemm)` : '';
      for (const replicas of counts)
        out.push({
          backend,
          gemm,
          replicas,
          impl: 'custom',
          iterations,
          label: `${backend}${kernels}, ${replicas} replica${replicas > 1 ? 's' : ''}`,
          short: `${gemm ?? backend} ×${replicas}`,
        });
    }
  }
  if (naiveIterations > 0)
    out.push({
      backend: 'wasm',
      replicas: 1,
      impl: 'naive',
      iterations: naiveIterations,
      label: 'wasm, naive gradient',
      short: 'wasm naive',
    });
  return out;
}

type Kernels = Exclude<GemmName, 'auto'>;

/** The products' kernels to time on wasm: those asked for that load here. */
function gemms(): Kernels[] {
  const asked = values.gemms.split(',') as Kernels[];
  const unknown = asked.find((g) => !GEMMS.includes(g) || g === ('auto' as GemmName));
  if (unknown) throw new Error(`--gemms takes ${GEMMS.filter((g) => g !== 'auto').join(', ')}, got ${unknown}`);
  return asked.filter((g) => {
    try {
      selectGemm(g);
      return true;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      console.log(`${g} gemm: not measured (${err.message})`);
      return false;
    }
  });
}

async function measure(c: Config): Promise<Timing> {
  await selectBackend(c.backend as BackendName);
  selectGemm(c.gemm ?? 'wasm');
  const rng = new Rng(1);
  const state = new TrainingState(arch, initialWeights(arch, rng, opts.headDistance), c.replicas);
  // The comparison with PyTorch is on the plain iteration; --default-recipe adds what `pnpm train` adds.
  const warps = { shift: opts.augment, rotate: opts.augmentRotate, scale: opts.augmentScale };
  const sampler = fullRecipe
    ? new EpochSampler(ds.train, split, arch, opts.batch, opts.noiseStd, warps, opts.vat > 0)
    : new EpochSampler(ds.train, split, arch, opts.batch, opts.noiseStd);
  const settings = { arch, impl: c.impl, headDistance: opts.headDistance, vat: fullRecipe ? opts.vat : 0 };
  const stepper = await startStepper(state, settings, c.backend, ds.train);
  sampler.startEpoch(rng);
  let drawn = 0;
  if (c.backend === 'webgpu') return measureGpu(stepper, sampler, () => sampler.draw(drawn++, rng), c.iterations);
  const perPhase: Record<string, number[]> = {};
  const totals: number[] = [];
  try {
    for (let i = 0; i < WARMUP + c.iterations; i++) {
      const batch = sampler.next(i, rng);
      const t0 = performance.now();
      const report = await stepper.step(batch, opts.lr);
      if (i < WARMUP) continue;
      totals.push(performance.now() - t0);
      for (const [p, r] of Object.entries(report)) {
        const times = perPhase[p] ?? [];
        perPhase[p] = times;
        times.push(r.ms!);
      }
    }
  } finally {
    await stepper.dispose();
  }
  return { phases: Object.fromEntries(Object.entries(perPhase).map(([p, xs]) => [p, median(xs)])), iteration: median(totals) };
}

/**
 * The GPU stepper returns before the GPU has run the step, so it is timed over all iterations up
 * to its settle (which waits for the GPU and reads the weights back), and reports no phase times.
 * The draws are made first, as the host batches of the other backends are; the timed loop
 * gathers each batch (on the GPU) and steps. Counts its dispatches, GPU→host reads and host→GPU
 * bytes (tensor data and uniform blocks) per iteration, settle's excluded.
 */
async function measureGpu(stepper: Stepper, sampler: EpochSampler, draw: () => BatchDraw, n: number): Promise<Timing> {
  try {
    for (let i = 0; i < WARMUP; i++) await stepper.step(sampler.batchFor(stepper, draw()), opts.lr);
    await stepper.settle();
    const draws = Array.from({ length: n }, draw);
    const [reads, dispatches, uploads] = [countReads(tf.backend()), countDispatches(tf.backend()), countUploads(tf.backend())];
    const t0 = performance.now();
    for (const d of draws) await stepper.step(sampler.batchFor(stepper, d), opts.lr);
    const counts = {
      reads: reads.reads() / n,
      dispatches: dispatches.dispatches() / n,
      data: uploads.data() / n,
      uniforms: uploads.uniforms() / n,
    };
    for (const c of [reads, dispatches, uploads]) c.restore();
    await stepper.settle();
    return { phases: {}, iteration: (performance.now() - t0) / n, counts };
  } finally {
    await stepper.dispose();
  }
}

const list = await configs();
if (list.length === 0) throw new Error('no backend could be measured');
const peer = await findTorchPeer(peerScript);
console.log(typeof peer === 'string' ? `PyTorch: not measured: ${peer}; our figures alone` : `PyTorch: ${peer.label} (${peer.script})`);
console.log(
  `batch ${opts.batch}, hidden ${arch.hidden.join('-')}, ${fullRecipe ? `the default recipe (VAT, warps; PyTorch's iteration has neither)` : 'no VAT'}, ${availableParallelism()} cores; ${rounds} rounds of ${iterations} iterations after ${WARMUP} warm-up, each configuration and then PyTorch in turn\n`,
);

const timings = list.map((): Timing[] => []);
const torch: number[] = [];
/** PyTorch with its BLAS on one thread: one core's figure, beside our one replica. */
const torchOneCore: number[] = [];
for (let round = 1; round <= rounds; round++) {
  const parts: string[] = [];
  for (const [k, c] of list.entries()) {
    const t = await measure(c);
    timings[k]!.push(t);
    parts.push(`${c.short} ${t.iteration.toFixed(0)}`);
  }
  if (typeof peer !== 'string') {
    torch.push(await peer.time(opts.batch, iterations));
    torchOneCore.push(await peer.time(opts.batch, iterations, 1));
    parts.push(`PyTorch ${torch.at(-1)!.toFixed(0)} | PyTorch, 1 BLAS thread ${torchOneCore.at(-1)!.toFixed(0)}`);
  }
  console.log(`round ${round}, ms per iteration: ${parts.join(' | ')}`);
}

const col = (s: string | number, w = 14) => String(s).padStart(w);
/** The first column's width: the longest label, e.g. "wasm (onnxruntime gemm), 2 replicas". */
const LABEL = 38;
const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const epoch = (ms: number) => (ms * ITERATIONS_PER_EPOCH) / 1000;
const kind = (c: Config) => `${c.backend} ${c.gemm}`;
const oneReplica = new Map(list.flatMap((c, k) => (c.replicas === 1 && c.impl === 'custom' ? [[kind(c), k] as const] : [])));
console.log(`\nmedians over rounds; a phase's time includes its Adam update (ms)`);
console.log(
  `${'backend, replicas'.padEnd(LABEL)}${PHASES.map((p) => col(p)).join('')}${col('ms/iter', 10)}${col('s/60k epoch')}${col('× PyTorch', 11)}${col('speed-up', 10)}`,
);
for (const [k, c] of list.entries()) {
  const ts = timings[k]!;
  const ms = median(ts.map((t) => t.iteration));
  const ratio = torch.length ? col(median(ts.map((t, r) => t.iteration / torch[r]!)).toFixed(2), 11) : col('', 11);
  const base = oneReplica.get(kind(c));
  const speedup =
    base !== undefined && base !== k && c.impl === 'custom'
      ? col(`${median(ts.map((t, r) => timings[base]![r]!.iteration / t.iteration)).toFixed(2)}×`, 10)
      : col('', 10);
  // '-' where a backend has no phase times (webgpu's step returns before the GPU has run it).
  const phaseMs = (p: string) => median(ts.map((t) => t.phases[p] ?? NaN));
  const phases = PHASES.map((p) => col(Number.isNaN(phaseMs(p)) ? '-' : phaseMs(p).toFixed(0))).join('');
  console.log(`${c.label.padEnd(LABEL)}${phases}${col(ms.toFixed(0), 10)}${col(epoch(ms).toFixed(0))}${ratio}${speedup}`);
  const counts = ts[0]!.counts;
  if (counts)
    console.log(
      `${''.padEnd(LABEL)}per iteration: ${counts.dispatches.toFixed(0)} dispatches, ${counts.reads} GPU→host reads, ${kb(counts.data)} KB of tensor data and ${kb(counts.uniforms)} KB of uniforms host→GPU`,
    );
}
const torchRow = (label: string, ms: number[]) =>
  console.log(
    `${label.padEnd(LABEL)}${PHASES.map(() => col('')).join('')}${col(median(ms).toFixed(0), 10)}${col(epoch(median(ms)).toFixed(0))}${col(median(ms.map((t, r) => t / torch[r]!)).toFixed(2), 11)}`,
  );
if (torch.length) {
  torchRow('PyTorch', torch);
  torchRow('PyTorch, BLAS on 1 thread', torchOneCore);
}
console.log(
  `\n× PyTorch: ms per iteration over PyTorch's (its products on every core, as it runs by default) in the same round (median of the rounds); speed-up: over 1 replica on the same backend, in the same round`,
);
