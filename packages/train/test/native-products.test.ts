/**
 * The native products on tfjs-wasm's memory: OpenBLAS through koffi (blas-gemm.ts), and
 * onnxruntime's kernels (native-gemm.ts), which reach past onnxruntime-node's public API for its
 * synchronous run: when an update moves it, its first test says so.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { loadMnistDataset, selectBackend } from '@aae-map/train';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { BLAS_HOW_TO, BlasGemm } from '../src/kernels/blas-gemm.ts';
import { FlatTensors } from '../src/kernels/flat-tensors.ts';
import { NativeGemm } from '../src/kernels/native-gemm.ts';
import { activeGemm, selectGemm } from '../src/kernels/wasm-matmul.ts';
import { initialWeights } from '../src/model/model.ts';
import { PHASES } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { EpochSampler } from '../src/step/batch-sampler.ts';
import { ParallelStepper } from '../src/step/parallel-stepper.ts';
import { LocalStepper, TrainingState } from '../src/step/stepper.ts';
import { assertProduct, matMul2dBothWays, random, SHAPES, transposed } from './gemm-reference.ts';

await selectBackend('wasm');
after(() => selectGemm('wasm'));

const KERNELS = [
  { name: 'OpenBLAS', load: () => BlasGemm.load() },
  { name: "onnxruntime's synchronous Gemm", load: () => NativeGemm.load() },
];

for (const kernel of KERNELS)
  for (const transposeA of [false, true])
    test(`${kernel.name}${transposeA ? ' (A stored transposed)' : ''} on a wasm memory equals a float64 product on ${SHAPES.length} shapes, written in place and nowhere else`, () => {
      const gemm = kernel.load();
      const heap = new Float32Array(new WebAssembly.Memory({ initial: 200 }).buffer);
      const rng = new Rng(11);
      const GUARD = 64;
      for (const [m, k, n] of SHAPES) {
        const a = random(rng, m * k);
        const b = random(rng, k * n);
        const stored = transposeA ? transposed(a, m, k) : a;
        const [aAt, bAt] = [GUARD, GUARD + m * k];
        const cAt = bAt + k * n + GUARD;
        heap.fill(12345, 0, cAt + m * n + GUARD);
        heap.set(stored, aAt);
        heap.set(b, bAt);
        gemm.run(
          { m, k, n, transposeA },
          heap.subarray(aAt, aAt + m * k),
          heap.subarray(bAt, bAt + k * n),
          heap.subarray(cAt, cAt + m * n),
        );
        assertProduct(heap.slice(cAt, cAt + m * n), a, b, m, k, n, `${m}×${k}·${k}×${n}`);
        const around = [...heap.subarray(0, aAt), ...heap.subarray(bAt + k * n, cAt), ...heap.subarray(cAt + m * n, cAt + m * n + GUARD)];
        assert.ok(
          around.every((v) => v === 12345),
          `${m}×${k}×${n} wrote outside C`,
        );
        assert.deepEqual([heap.slice(aAt, aAt + m * k), heap.slice(bAt, bAt + k * n)], [stored, b], `${m}×${k}×${n} changed A or B`);
      }
    });

test("--gemm: wasm forces the wasm kernels, auto takes OpenBLAS here, and matMul2d on each native kernel agrees with a float64 product (on either side of onnxruntime's cut in k)", () => {
  assert.deepEqual(selectGemm('wasm'), { name: 'wasm', reason: 'forced with --gemm wasm' });
  assert.equal(activeGemm(), 'wasm');
  assert.equal(selectGemm('auto').name, 'openblas', 'OpenBLAS is installed where the tests run (pretest installs it)');
  for (const name of ['openblas', 'onnxruntime'] as const) {
    assert.equal(selectGemm(name).name, name);
    assert.equal(activeGemm(), name);
    const rng = new Rng(5);
    for (const [m, k, n] of [
      [1000, 784, 50],
      [37, 127, 50],
      [37, 128, 50],
      [10, 1000, 21],
      [3, 1, 2],
    ] as const) {
      const { a, b, plain, stored } = matMul2dBothWays(rng, m, k, n);
      assertProduct(plain, a, b, m, k, n, `${name} matMul2d ${m}×${k}×${n}`);
      assertProduct(stored, a, b, m, k, n, `${name} matMul2d ${m}×${k}×${n}, A stored transposed`);
    }
  }
  selectGemm('wasm');
});

test('without OpenBLAS, --gemm auto falls back to onnxruntime and says why, and --gemm openblas stops with how to install it', () => {
  const script = [
    "import { selectGemm } from './packages/train/src/kernels/wasm-matmul.ts';",
    "console.log(JSON.stringify(selectGemm('auto')));",
    "try { selectGemm('openblas'); } catch (err) { console.log(JSON.stringify({ error: err.message, user: err.name })); }",
  ].join('\n');
  const env = { ...process.env, AAE_BLAS_LIBRARY: '/nonexistent/libopenblas.so.0' };
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8' });
  const [auto, forced] = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(auto.name, 'onnxruntime');
  assert.match(auto.reason, /openblas: no OpenBLAS found \(.*nonexistent.*\)/);
  assert.ok(forced.error.startsWith('--gemm openblas: no OpenBLAS found'), forced.error);
  assert.ok(forced.error.includes(BLAS_HOW_TO), forced.error);
});

for (const gemm of ['openblas', 'onnxruntime'] as const)
  test(`replica workers take the main thread's gemm, and their gradients on ${gemm}'s products equal the wasm kernels' within float32 rounding`, async () => {
    const mnist = await loadMnistDataset();
    const train = { ...mnist.train, count: 2000, labels: mnist.train.labels.subarray(0, 2000) };
    const opts = resolveOptions({ hidden: [160, 144], styleDim: 2, labels: 200, batch: 40 }, mnist);
    const arch = architectureFor(opts, mnist);
    const rng = new Rng(4);
    const state = new TrainingState(arch, initialWeights(arch, rng, opts.headDistance), 2);
    const sampler = new EpochSampler(train, balancedSplit(train.labels, 10, 200, 4), arch, 40, opts.noiseStd);
    sampler.startEpoch(rng);
    const settings = { arch, impl: 'custom' as const, headDistance: opts.headDistance };
    selectGemm('wasm');
    const local = new LocalStepper(state, settings);
    selectGemm(gemm);
    const parallel = await ParallelStepper.start(state, settings, 'wasm');
    try {
      assert.deepEqual(
        parallel.workerKernels.map((w) => w.gemm),
        [gemm, gemm],
      );
      const batch = sampler.next(0, rng);
      for (const phase of PHASES) {
        selectGemm('wasm');
        const full = new FlatTensors(state.phaseSpecs[phase]);
        const one = await local.replica.gradients(phase, batch, full);
        const two = await parallel.gradients(phase, batch);
        const avg = parallel.averagedGradients(phase, 40);
        const scale = full.data.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
        assertClose(avg.data, full.data, { atol: 1e-5 * scale, rtol: 1e-4 }, `${phase} gradient`);
        assertClose([two.loss], [one.loss], { rtol: 1e-4 }, `${phase} loss`);
      }
    } finally {
      await Promise.all([local.dispose(), parallel.dispose()]);
      selectGemm('wasm');
    }
  });
