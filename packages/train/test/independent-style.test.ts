import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encoderWeightNames, modelWeightShapes } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import { loadMnistDataset, selectBackend } from '@aae-map/train';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { FlatTensors } from '../src/kernels/flat-tensors.ts';
import { initialWeights } from '../src/model/model.ts';
import type { Phase, PhaseSettings } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { EpochSampler } from '../src/step/batch-sampler.ts';
import { TrainingState } from '../src/step/stepper.ts';
import { phaseGradients } from './cluster-terms.ts';

await selectBackend('wasm');
const mnist = await loadMnistDataset();
const train = { ...mnist.train, count: 200, labels: mnist.train.labels.subarray(0, 200) };
const opts = resolveOptions({ labels: 0, clusters: 10, styleDim: 2, hidden: [32, 16] }, mnist);
const plainArch = architectureFor(opts, mnist);
const jointArch = architectureFor({ ...opts, independentStyle: true }, mnist);
const { clusters: n, styleDim: d } = plainArch;
const FIRST = 'disc_z/dense0/kernel';
const width = plainArch.hidden[0]!;

const sampler = new EpochSampler(train, balancedSplit(train.labels, 10, 0, 1), plainArch, 20, opts.noiseStd);
const rng = new Rng(7);
sampler.startEpoch(rng);
const batch = sampler.hostBatch(sampler.draw(0, rng));

const plainWeights = initialWeights(plainArch, new Rng(5), 6);

/** The plain model's weights in the joint architecture: D_z's first layer gets n more input rows, set to `yRows` (row-major [n, width]). */
function jointWeights(yRows: Float32Array): FlatTensors {
  const w = new FlatTensors(modelWeightShapes(jointArch));
  for (const name of plainWeights.names) w.view(name).set(plainWeights.view(name));
  w.view(FIRST).set(yRows, d * width);
  return w;
}

async function gradients(phase: Phase, arch: typeof plainArch, weights: FlatTensors, before: Phase[] = []) {
  const state = new TrainingState(arch, weights);
  const settings: PhaseSettings = { arch, impl: 'custom', headDistance: 6 };
  const out = await phaseGradients(phase, settings, state, batch, before);
  const g = new FlatTensors(state.phaseSpecs[phase]);
  g.data.set(out.g);
  return { loss: out.loss, stats: out.stats, g };
}

/** Every gradient of `a` and `b` agrees, D_z's first layer on its first `d` input rows. */
function assertSameGradients(a: FlatTensors, b: FlatTensors, what: string) {
  for (const name of a.names) {
    const va = a.view(name);
    const vb = name === FIRST ? b.view(name).subarray(0, d * width) : b.view(name);
    const scale = Math.max(1e-3, ...va.map(Math.abs));
    assertClose(vb, va, { atol: 1e-5 * scale }, `${what}: ${name}`);
  }
}

test('--independent-style: D_z takes n more inputs; the encoder, and so the export, is unchanged', () => {
  const shapes = new Map(modelWeightShapes(jointArch));
  const plain = new Map(modelWeightShapes(plainArch));
  assert.deepEqual(shapes.get(FIRST), [d + n, width]);
  assert.deepEqual(plain.get(FIRST), [d, width]);
  assert.deepEqual(encoderWeightNames(jointArch), encoderWeightNames(plainArch));
  for (const name of encoderWeightNames(plainArch)) assert.deepEqual(shapes.get(name), plain.get(name), name);
  assert.equal(resolveOptions({ labels: 0 }, mnist).independentStyle, false);
  assert.equal(plainArch.independentStyle, undefined, 'runs without the setting store the architecture they always did');
});

test('--independent-style: with y weighted 0 in D_z, both phases that use D_z are the plain model’s', async () => {
  const joint = jointWeights(new Float32Array(n * width));
  const disc = [await gradients('discriminator', plainArch, plainWeights), await gradients('discriminator', jointArch, joint)] as const;
  assertClose([disc[1].loss], [disc[0].loss], { rtol: 1e-6 }, 'discriminator loss');
  assertSameGradients(disc[0].g, disc[1].g, 'discriminator');
  // D_z learns from y: the rows that weigh it get a gradient.
  const yRows = disc[1].g.view(FIRST).subarray(d * width);
  assert.ok(Math.max(...yRows.map(Math.abs)) > 1e-4, 'D_z gets a gradient for its y inputs');
  for (const before of [[], ['discriminator']] as Phase[][]) {
    const gen = [await gradients('generator', plainArch, plainWeights, before), await gradients('generator', jointArch, joint, before)];
    assertClose([gen[1]!.loss], [gen[0]!.loss], { rtol: 1e-6 }, 'generator loss');
    assertSameGradients(gen[0]!.g, gen[1]!.g, `generator after [${before}]`);
  }
});

test('--independent-style: prior draws and encoder outputs reach D_z with the same y', async () => {
  // A D_z blind to z sees only y: if both sides carry the same y, its outputs for a prior draw and
  // for the encoder's z are equal, so its confidence in the real side is 1 − its confidence in the fake.
  const w = jointWeights(new Rng(13).fillNormal(new Float32Array(n * width), 1));
  w.view(FIRST).fill(0, 0, d * width);
  const { stats } = await gradients('discriminator', jointArch, w);
  assert.ok(Math.abs(stats.confRealZ! - 0.5) > 1e-3, `D_z is not at chance on y alone (${stats.confRealZ})`);
  assertClose([stats.confRealZ! + stats.confFakeZ!], [1], { atol: 1e-6 }, 'confidences');
});

test('--independent-style: D_z’s term moves z, never y', async () => {
  const yRows = new Rng(11).fillNormal(new Float32Array(n * width), 1);
  const zero = await gradients('generator', jointArch, jointWeights(new Float32Array(n * width)));
  const seen = await gradients('generator', jointArch, jointWeights(yRows));
  assert.notEqual(seen.loss, zero.loss, 'y changes what D_z says');
  // y's own layer answers to D_y alone, which does not change.
  for (const name of ['encoder/y/kernel', 'encoder/y/bias']) {
    const scale = Math.max(...zero.g.view(name).map(Math.abs));
    assertClose(seen.g.view(name), zero.g.view(name), { atol: 1e-6 * scale }, name);
  }
  const z = [zero.g.view('encoder/z/kernel'), seen.g.view('encoder/z/kernel')] as const;
  const moved = Math.max(...z[1].map((v, i) => Math.abs(v - z[0][i]!)));
  assert.ok(moved > 1e-3 * Math.max(...z[0].map(Math.abs)), `z's gradient depends on y (${moved})`);
});
