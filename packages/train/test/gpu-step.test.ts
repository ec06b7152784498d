/**
 * The GPU-resident training step (GpuStepper) on SwiftShader's software Vulkan adapter, in a
 * child process (gpu-step-child.ts) since the driver is chosen at process start: a few
 * iterations of a tiny 2-D model with labels, VAT and warps, at batch 120 (above the default
 * 100), its batches gathered and warped on the GPU, match LocalStepper's on wasm with host
 * batches from the same draws; the WGSL Adam and the GPU's batches match the host's; no
 * iteration reads from the GPU except the periodic loss report, nor uploads images.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_LIBS, SWIFTSHADER_ICD } from '@aae-map/shared';
import { PHASES } from '../src/model/phases.ts';
import { EpochAccumulator } from '../src/run/epoch-metrics.ts';
import type { IterationReport } from '../src/step/stepper.ts';

const CHILD = fileURLToPath(new URL('./gpu-step-child.ts', import.meta.url));

interface Slot {
  maxDiff: number;
  maxAbs: number;
}
interface ChildResult {
  config: { iterations: number; reportEvery: number; lr: number };
  gpuImages: boolean;
  /** Largest |GPU − host| over one batch's images, per augmentation. */
  batches: { none: number; shift: number; warp: number; rgb: number; pair: number };
  drawBytes: number;
  imageBytes: number;
  hostBatchData: number;
  wasmHasView: boolean;
  reselected: number;
  auto: { name: string; reason: string };
  adam: { p: number; m: number; v: number; otherSlot: number; moved: number };
  slots: Slot[];
  steps: Array<[number, number]>;
  localReports: IterationReport[];
  gpuReports: IterationReport[];
  perIteration: Array<{ reads: number; dispatches: number; tensors: number; data: number; uniforms: number }>;
  settleReads: number;
  weightTensors: number;
  /** Largest difference between the run and the same iterations in two steppers, the second from the first's settled state. */
  resumedDiff: number;
}

const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD], {
  env: { ...process.env, LD_LIBRARY_PATH: CHROMIUM_LIBS, VK_ICD_FILENAMES: SWIFTSHADER_ICD },
  encoding: 'utf8',
  maxBuffer: 2 ** 24,
});
assert.equal(child.status, 0, `gpu-step-child.ts failed:\n${child.stderr}`);
const r = JSON.parse(child.stdout) as ChildResult;

test('the WGSL Adam updates a packed weight and one phase slot like adamRange on the host', () => {
  // Measured on SwiftShader: identical. WGSL does not promise correctly rounded sqrt and division, so allow a few ulps of values near 1.
  for (const k of ['p', 'm', 'v'] as const) assert.ok(r.adam[k] <= 1e-6, `${k}: max |gpu - host| ${r.adam[k]}`);
  assert.equal(r.adam.otherSlot, 0, "another phase's moments are not touched");
  assert.ok(r.adam.moved > 1e-3, 'the weight moved');
  assert.equal(r.wasmHasView, false, 'webgpuView is undefined on other backends');
});

test("the GPU gathers, normalises and warps a batch (and --invariance's second copy) as the host does from the same draw", (t) => {
  assert.equal(r.gpuImages, true, 'the stepper took the training set onto the GPU');
  // Pixels go through the host's own table and whole-pixel shifts sample at fraction 0: exact.
  assert.equal(r.batches.none, 0, 'no augmentation');
  assert.equal(r.batches.shift, 0, 'whole-pixel shifts');
  // Rotation and scaling: source positions in float32 on the GPU, float64 on the host. Measured 3.9e-6 gray, 6.0e-6 RGB (pixels in [-1, 1]).
  assert.ok(r.batches.warp <= 1e-5, `warps: max |gpu - host| ${r.batches.warp}`);
  assert.ok(r.batches.rgb <= 1e-5, `warps of RGB images: max |gpu - host| ${r.batches.rgb}`);
  assert.ok(r.batches.pair <= 1e-5, `--invariance's warped second copy: max |gpu - host| ${r.batches.pair}`);
  t.diagnostic(`max |gpu - host|: ${JSON.stringify(r.batches)}`);
});

test('an iteration with GPU batches uploads its draws, not its images', (t) => {
  const data = r.perIteration.map((it) => it.data);
  // Beyond the draws (indices, four numbers per image's warp, priors, noise, labels, VAT directions),
  // tfjs's gradients of its smaller reductions build ones tensors on the host, over [B, clusters]
  // and [B, 1] (measured 21 KB in all here, which 32 KB covers); the reconstruction loss's, over
  // [2B, pixels], is filled on the GPU (meanOnDevice).
  const bound = r.drawBytes + 32 * 1024;
  for (const [i, d] of data.entries()) assert.ok(d <= bound, `iteration ${i}: ${d} bytes uploaded, bound ${bound}`);
  // Host batches send the images to every phase that reads them (five uploads with labels and VAT).
  assert.ok(r.hostBatchData - data.at(-1)! >= 4 * r.imageBytes, `host batches ${r.hostBatchData} bytes, GPU batches ${data.at(-1)}`);
  t.diagnostic(
    `bytes uploaded per iteration: ${data.join(', ')} (tensor data), ${r.perIteration.map((it) => it.uniforms).join(', ')} (uniforms); host batches ${r.hostBatchData}`,
  );
});

test("GpuStepper's weights and Adam moments match LocalStepper's on wasm after the same iterations", () => {
  const [weights, ...moments] = r.slots;
  // Measured: 3e-5 (on 2-D heads of size ~10). Adam moves a weight by about lr per step whatever
  // the size of its gradient, so an update applied wrongly shows as a difference near lr.
  assert.ok(weights!.maxDiff <= r.config.lr / 4, `weights: max |gpu - wasm| ${weights!.maxDiff}`);
  // Measured: at most 1.1e-5 of each slot's largest value (float32 sums in another order).
  for (const [i, s] of moments.entries()) assert.ok(s.maxDiff <= 1e-3 * s.maxAbs, `moment slot ${i}: ${s.maxDiff} against ${s.maxAbs}`);
  for (const [local, gpu] of r.steps) assert.equal(gpu, local, 'Adam step counts');
});

test('settle brings back weights and moments that a new GpuStepper continues from exactly (as when resuming)', () => {
  // The same ops on the same device in the same order: identical (measured), so any slot lost or
  // misplaced on the way to the host and back shows.
  assert.equal(r.resumedDiff, 0);
});

/** Per phase, the mean loss over all iterations, as the trainer's EpochAccumulator weighs (bulk) reports. */
function meanLosses(reports: IterationReport[]): Record<string, number> {
  const acc = new EpochAccumulator();
  for (const report of reports) acc.add(report);
  return Object.fromEntries(PHASES.map((p) => [p, acc.mean(`loss.${p}`)!]));
}

test('losses are reported in bulk every reportEvery iterations, and their means match the wasm run', () => {
  const { iterations, reportEvery } = r.config;
  const bulk = r.gpuReports.map((rep) => Object.values(rep).map((p) => p.iterations ?? 1));
  // Steps return the read started one report earlier; settle returns the last one.
  const expected = Array.from({ length: iterations }, (_, i) => ((i + 1) % reportEvery === 0 && i + 1 > reportEvery ? 4 : 0));
  assert.deepEqual(
    bulk.slice(0, iterations).map((b) => b.length),
    expected,
    'phases reported per step',
  );
  assert.deepEqual(bulk.slice(iterations), [[reportEvery, reportEvery, reportEvery, reportEvery]], 'settle reports the rest');
  const [gpu, local] = [meanLosses(r.gpuReports), meanLosses(r.localReports)];
  for (const phase of Object.keys(local))
    assert.ok(Math.abs(gpu[phase]! - local[phase]!) <= 1e-3 * Math.abs(local[phase]!), `${phase}: gpu ${gpu[phase]}, wasm ${local[phase]}`);
});

test('an iteration reads nothing from the GPU except the periodic report, and leaks no tensors', (t) => {
  const { reportEvery } = r.config;
  const reads = r.perIteration.map((it) => it.reads);
  assert.deepEqual(
    reads,
    reads.map((_, i) => ((i + 1) % reportEvery === 0 ? 1 : 0)),
    'GPU→host reads per iteration',
  );
  // The last report's read was started by the last step, so settle reads only the weights (with their moments).
  assert.equal(r.settleReads, r.weightTensors, 'reads in settle');
  const at = (i: number) => r.perIteration[i]!.tensors;
  assert.equal(
    at(r.perIteration.length - 1),
    at(r.perIteration.length - 1 - reportEvery),
    'tensors alive at the same point of a report cycle',
  );
  t.diagnostic(`dispatches per iteration (hidden 32,32, 2-D, labels, VAT): ${r.perIteration.map((it) => it.dispatches).join(', ')}`);
});

test('selecting webgpu again keeps the device tfjs uses alive through garbage collection', () => {
  // A second Dawn instance used to replace the first, which the collector then freed under tfjs's device: the process aborted.
  assert.equal(r.reselected, 256 ** 3);
});

test('--backend auto does not take the software adapter (SwiftShader), and says so', () => {
  assert.notEqual(r.auto.name, 'webgpu');
  assert.match(r.auto.reason, /skipped .*webgpu \(the adapter, google swiftshader .*, is a software rasterizer/);
});
