import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { loadMnistDataset, selectBackend } from '@aae-map/train';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { FlatTensors } from '../src/kernels/flat-tensors.ts';
import { initialWeights } from '../src/model/model.ts';
import type { PhaseSettings } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { EpochSampler } from '../src/step/batch-sampler.ts';
import { TrainingState } from '../src/step/stepper.ts';
import { generatorGradients, phaseGradients } from './cluster-terms.ts';

await selectBackend('wasm');
const mnist = await loadMnistDataset();
const train = { ...mnist.train, count: 200, labels: mnist.train.labels.subarray(0, 200) };
const opts = resolveOptions({ labels: 0, clusters: 10, styleDim: 2, hidden: [32, 16] }, mnist);
const arch = architectureFor(opts, mnist);

/** Gradients at weights 0, 0.5 and 1 lie on a line: twice the change at 0.5 is the change at 1. Returns the largest at 1. */
function assertAffine(zero: Float32Array, half: Float32Array, one: Float32Array): number {
  const scale = Math.max(...one.map(Math.abs));
  assertClose(
    half.map((v, i) => 2 * (v - zero[i]!)),
    one.map((v, i) => v - zero[i]!),
    { atol: 1e-5 * scale, rtol: 1e-4 },
    'gradient',
  );
  return scale;
}

function firstBatch(seed: number) {
  const rng = new Rng(seed);
  const sampler = new EpochSampler(train, balancedSplit(train.labels, 10, 0, 1), arch, 20, opts.noiseStd);
  sampler.startEpoch(rng);
  return sampler.hostBatch(sampler.draw(0, rng));
}

test('--style-prior: the generator loss and gradients are affine in the weight, 1 is the old objective, on both encoder passes', async () => {
  const b = firstBatch(3);
  const state = new TrainingState(arch, initialWeights(arch, new Rng(5), 6));
  const base: PhaseSettings = { arch, impl: 'custom', headDistance: 6 };
  const run = (stylePrior?: number, afterDiscriminator = false) =>
    generatorGradients({ ...base, stylePrior }, state, b, afterDiscriminator);
  const [old, zero, half, one] = [await run(), await run(0), await run(0.5), await run(1)];
  assert.equal(one.loss, old.loss, 'weight 1 is the objective without the setting');
  assert.deepEqual(one.g, old.g);
  // D_z's term is the only part that moves: twice the change at 0.5 is the change at 1.
  const term = one.loss - zero.loss;
  assert.ok(term > 0.1, `the style term is a real part of the loss (${term})`);
  assertClose([2 * (half.loss - zero.loss)], [term], { rtol: 1e-5 }, 'loss');
  const scale = assertAffine(zero.g, half.g, one.g);
  assert.ok(Math.max(...one.g.map((v, i) => Math.abs(v - zero.g[i]!))) > 1e-3 * scale, 'the term moves the gradient');
  // The pass kept from the discriminator phase backpropagates the same thing, weight 0 included.
  for (const [w, plain] of [
    [0, zero],
    [0.5, half],
  ] as const) {
    const kept = await run(w, true);
    assertClose(kept.g, plain.g, { atol: 1e-5 * scale, rtol: 1e-4 }, `kept pass, weight ${w}`);
  }
});

test('--reconstruct-y: the same reconstruction loss, y gets scale × its gradient, the other encoder layers an affine share', async () => {
  const b = firstBatch(4);
  const state = new TrainingState(arch, initialWeights(arch, new Rng(6), 6));
  const base: PhaseSettings = { arch, impl: 'custom', headDistance: 6 };
  const run = (reconstructY?: number) => phaseGradients('reconstruction', { ...base, reconstructY }, state, b);
  const [old, zero, half, one] = [await run(), await run(0), await run(0.5), await run(1)];
  for (const r of [zero, half, one]) assert.equal(r.loss, old.loss, 'the forward pass does not change');
  assert.deepEqual(one.g, old.g, 'scale 1 is the objective without the setting');
  const view = (g: Float32Array, name: string) => {
    const t = new FlatTensors(state.phaseSpecs.reconstruction);
    t.data.set(g);
    return [...t.view(name)];
  };
  for (const name of ['encoder/y/kernel', 'encoder/y/bias']) {
    assert.ok(
      view(zero.g, name).every((v) => v === 0),
      `${name}: no gradient at scale 0`,
    );
    const full = view(one.g, name);
    assert.ok(Math.max(...full.map(Math.abs)) > 0, `${name}: a gradient at scale 1`);
    assertClose(
      view(half.g, name),
      full.map((v) => v / 2),
      { rtol: 1e-5, atol: 1e-9 },
      `${name} at scale 0.5`,
    );
  }
  // The trunk below y and z gets z's share plus scale × y's share; the decoder is untouched.
  assertAffine(zero.g, half.g, one.g);
  const decoder = view(one.g, 'decoder/out/kernel');
  assertClose(view(zero.g, 'decoder/out/kernel'), decoder, { rtol: 1e-6, atol: 1e-9 }, 'decoder');
});

test('--style-prior and --reconstruct-y: their defaults, in range', () => {
  assert.equal(resolveOptions({ labels: 0 }, mnist).reconstructY, 1);
  assert.throws(() => resolveOptions({ labels: 0, reconstructY: 1.5 }, mnist), /--reconstruct-y must be a number from 0 to 1, got 1.5/);
  assert.equal(resolveOptions({ labels: 0 }, mnist).stylePrior, 1);
  // Labelled n-D runs halve D_z's pull by default; 2-D runs keep 1.
  assert.equal(resolveOptions({}, mnist).stylePrior, 0.5);
  assert.equal(resolveOptions({ styleDim: 2 }, mnist).stylePrior, 1);
  assert.equal(resolveOptions({ stylePrior: 1 }, mnist).stylePrior, 1);
  assert.equal(resolveOptions({ labels: 0, stylePrior: 0 }, mnist).stylePrior, 0);
  assert.throws(() => resolveOptions({ labels: 0, stylePrior: -1 }, mnist), /--style-prior must be a number >= 0, got -1/);
});
