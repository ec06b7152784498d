import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { loadMnistDataset, selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { FlatTensors } from '../src/kernels/flat-tensors.ts';
import { initialWeights, meanOnDevice } from '../src/model/model.ts';
import { PHASES, type Phase } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { EpochSampler } from '../src/step/batch-sampler.ts';
import { Replica } from '../src/step/replica.ts';
import { LocalStepper, TrainingState } from '../src/step/stepper.ts';

await selectBackend('wasm');
const mnist = await loadMnistDataset();

for (const [styleDim, labels] of [
  [10, 100],
  [2, 100],
  [2, 0],
] as const) {
  test(`a training step leaves tf.memory().numTensors unchanged (style-dim ${styleDim}, ${labels} labels)`, async () => {
    const opts = resolveOptions({ hidden: [32, 32], styleDim, labels, batch: 20 }, mnist);
    const arch = architectureFor(opts, mnist);
    const rng = new Rng(1);
    const state = new TrainingState(arch, initialWeights(arch, rng, opts.headDistance));
    const train = { ...mnist.train, count: 2000, labels: mnist.train.labels.subarray(0, 2000) };
    const sampler = new EpochSampler(train, balancedSplit(train.labels, 10, labels, 1), arch, opts.batch, opts.noiseStd);
    const stepper = new LocalStepper(state, { arch, impl: 'custom', headDistance: opts.headDistance });
    sampler.startEpoch(rng);
    const before = tf.memory().numTensors;
    const weightsBefore = state.params.data.slice();
    const headsBefore = [...state.params.view('heads')];
    for (let i = 0; i < 3; i++) {
      const report = await stepper.step(sampler.next(i, rng), 1e-3);
      assert.equal(tf.memory().numTensors, before, `tensors after step ${i}`);
      assert.equal('supervised' in report, labels > 0);
      assert.ok(Object.values(report).every((r) => Number.isFinite(r.loss)));
    }
    assert.ok(
      state.params.data.some((v, i) => v !== weightsBefore[i]),
      'the weights changed',
    );
    if (styleDim === 10)
      assert.ok(
        state.params.view('heads').every((v, i) => v === (i % 11 === 0 ? 10 : 0)),
        'n-D heads stay 10·I',
      );
    else assert.notDeepEqual([...state.params.view('heads')], headsBefore, '2-D heads are learned');
    await stepper.dispose();
    assert.equal(tf.memory().numTensors, before - state.params.names.length, 'dispose frees every weight');
  });
}

test("the generator phase backpropagates through the discriminator phase's encoder pass: the same loss and gradients as its own pass", async () => {
  const opts = resolveOptions({ hidden: [32, 32], batch: 20, labels: 100 }, mnist);
  const arch = architectureFor(opts, mnist);
  const rng = new Rng(2);
  const state = new TrainingState(arch, initialWeights(arch, rng, opts.headDistance));
  const train = { ...mnist.train, count: 2000, labels: mnist.train.labels.subarray(0, 2000) };
  const sampler = new EpochSampler(train, balancedSplit(train.labels, 10, 100, 1), arch, opts.batch, opts.noiseStd);
  sampler.startEpoch(rng);
  const [b, other] = [sampler.next(0, rng), sampler.next(1, rng)];
  const settings = { arch, impl: 'custom' as const, headDistance: opts.headDistance };
  const replicas = [new Replica(settings), new Replica(settings)];
  for (const r of replicas) r.upload(state.params);
  const before = tf.memory().numTensors;
  const grads = async (r: Replica, phase: Phase, batch: typeof b) => {
    const g = new FlatTensors(state.phaseSpecs[phase]);
    return { loss: (await r.gradients(phase, batch, g)).loss, g: [...g.data] };
  };
  for (const batch of [b, other]) {
    await grads(replicas[0]!, 'discriminator', b); // leaves its encoder pass on b for the generator phase
    const traced = await grads(replicas[0]!, 'generator', batch); // on b: uses it; on another batch: its own pass
    const own = await grads(replicas[1]!, 'generator', batch);
    assert.equal(traced.loss, own.loss);
    assert.deepEqual(traced.g, own.g, 'generator gradients');
  }
  assert.equal(tf.memory().numTensors, before, 'the kept encoder pass is freed');
  for (const r of replicas) r.dispose();
});

test("batch 250 (above the default 100): each phase's gradients with the custom kernels equal tfjs's default gradients", async () => {
  const batch = 250;
  const opts = resolveOptions({ hidden: [40, 36], batch, labels: 300, vat: 1.5 }, mnist);
  const arch = architectureFor(opts, mnist);
  const rng = new Rng(5);
  const state = new TrainingState(arch, initialWeights(arch, rng, opts.headDistance));
  const train = { ...mnist.train, count: 3000, labels: mnist.train.labels.subarray(0, 3000) };
  const sampler = new EpochSampler(train, balancedSplit(train.labels, 10, 300, 5), arch, batch, opts.noiseStd, undefined, true);
  sampler.startEpoch(rng);
  const b = sampler.next(0, rng);
  assert.equal(b.size, batch);
  const base = { arch, headDistance: opts.headDistance, vat: opts.vat };
  const [custom, naive] = (['custom', 'naive'] as const).map((impl) => new Replica({ ...base, impl }));
  for (const r of [custom!, naive!]) r.upload(state.params);
  for (const phase of PHASES) {
    const [c, n] = [new FlatTensors(state.phaseSpecs[phase]), new FlatTensors(state.phaseSpecs[phase])];
    const [lc, ln] = [(await custom!.gradients(phase, b, c)).loss, (await naive!.gradients(phase, b, n)).loss];
    const scale = Math.max(...n.data.map(Math.abs));
    // Float32 sums over 250 rows in another order: 1e-4 of the largest gradient.
    assertClose(c.data, n.data, { atol: 1e-4 * scale, rtol: 1e-3 }, `${phase} gradients`);
    assertClose([lc], [ln], { rtol: 1e-5 }, `${phase} loss`);
  }
  for (const r of [custom!, naive!]) r.dispose();
});

test("meanOnDevice's value and gradient are tf.mean's bit for bit (the reconstruction loss uses it; the wasm path must not change)", () => {
  const rng = new Rng(4);
  const [a, b] = [0, 1].map(() => tf.tensor2d(rng.fillNormal(new Float32Array(40 * 784)), [40, 784]));
  for (const scale of [1, 0.37]) {
    const grad = (mean: (x: tf.Tensor) => tf.Scalar) =>
      tf.valueAndGrad((x: tf.Tensor) => tf.mul(mean(tf.squaredDifference(x, b!)), scale) as tf.Scalar)(a!);
    const [ours, theirs] = [grad(meanOnDevice), grad((x) => tf.mean(x) as tf.Scalar)];
    assert.deepEqual(ours.value.dataSync(), theirs.value.dataSync(), 'value');
    assert.deepEqual(ours.grad.dataSync(), theirs.grad.dataSync(), `gradient, dy ${scale}`);
    assert.notEqual(ours.grad.dataSync()[0], 0);
    tf.dispose([ours.value, ours.grad, theirs.value, theirs.grad]);
  }
  tf.dispose([a!, b!]);
});
