import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { loadMnistDataset, selectBackend } from '@aae-map/train';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { FlatTensors } from '../src/kernels/flat-tensors.ts';
import { initialWeights } from '../src/model/model.ts';
import { PHASES } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { EpochSampler } from '../src/step/batch-sampler.ts';
import { ParallelStepper } from '../src/step/parallel-stepper.ts';
import { LocalStepper, TrainingState } from '../src/step/stepper.ts';

await selectBackend('wasm');
const mnist = await loadMnistDataset();
const train = { ...mnist.train, count: 3000, labels: mnist.train.labels.subarray(0, 3000) };

/** A fresh model and sampler for the 2-D mode (learned heads, so every weight group is exercised). */
function setup(batch: number, replicas = 2) {
  const opts = resolveOptions({ hidden: [48, 40], styleDim: 2, labels: 200, batch }, mnist);
  const arch = architectureFor(opts, mnist);
  const rng = new Rng(4);
  const state = new TrainingState(arch, initialWeights(arch, rng, opts.headDistance), replicas);
  const sampler = new EpochSampler(train, balancedSplit(train.labels, 10, 200, 4), arch, batch, opts.noiseStd);
  sampler.startEpoch(rng);
  return { arch, rng, state, sampler, settings: { arch, impl: 'custom' as const, headDistance: opts.headDistance } };
}

const steppers: Array<{ dispose(): Promise<void> }> = [];
after(() => Promise.all(steppers.map((s) => s.dispose())));

for (const batch of [20, 21]) {
  test(`two replicas' weighted gradients equal the full-batch gradient in every phase (batch ${batch})`, async () => {
    const { rng, state, sampler, settings } = setup(batch);
    const local = new LocalStepper(state, settings);
    const parallel = await ParallelStepper.start(state, settings, 'wasm');
    steppers.push(local, parallel);
    const b = sampler.next(0, rng);
    for (const phase of PHASES) {
      const full = new FlatTensors(state.phaseSpecs[phase]);
      const one = await local.replica.gradients(phase, b, full);
      const two = await parallel.gradients(phase, b);
      const avg = parallel.averagedGradients(phase, batch);
      const scale = Math.max(...full.data.map(Math.abs));
      assertClose(avg.data, full.data, { atol: 1e-5 * scale, rtol: 1e-4 }, `${phase} gradient`);
      assertClose([two.loss], [one.loss], { rtol: 1e-5 }, `${phase} loss`);
    }
  });
}

test('after several data-parallel steps both replicas hold exactly the shared weights, and training tracks one replica', async () => {
  const a = setup(20, 1);
  const b = setup(20);
  const local = new LocalStepper(a.state, a.settings);
  const shared = b.state;
  const parallel = await ParallelStepper.start(shared, b.settings, 'wasm');
  steppers.push(local, parallel);
  for (let i = 0; i < 5; i++) {
    const batchA = a.sampler.next(i, a.rng);
    const batchB = b.sampler.next(i, b.rng);
    const ra = await local.step(batchA, 1e-3);
    const rb = await parallel.step(batchB, 1e-3);
    // Same data and the same gradients up to rounding: the losses agree closely.
    for (const p of PHASES) assertClose([rb[p]!.loss], [ra[p]!.loss], { rtol: 2e-3 }, `step ${i} ${p} loss`);
  }
  const names = shared.params.names;
  const [r0, r1] = await parallel.replicaWeights(names);
  names.forEach((n, i) => {
    assert.deepEqual([...r0![i]!], [...r1![i]!], `replicas differ in ${n}`);
    assert.deepEqual([...r0![i]!], [...shared.params.view(n)], `replica differs from the shared weights in ${n}`);
  });
  assertClose(shared.params.data, a.state.params.data, { atol: 2e-3 }, 'weights after 5 steps, 2 replicas vs 1');
});

/** The weights after `steps` iterations at batch 21 (shares of 7, or 10 and 11) with `replicas` workers, or in this thread (0). */
async function trained(replicas: number, steps: number): Promise<Float32Array> {
  const { rng, state, sampler, settings } = setup(21, Math.max(1, replicas));
  const stepper = replicas > 0 ? await ParallelStepper.start(state, settings, 'wasm') : new LocalStepper(state, settings);
  steppers.push(stepper);
  for (let i = 0; i < steps; i++) await stepper.step(sampler.next(i, rng), 1e-3);
  await stepper.dispose();
  return state.params.data.slice();
}

test('1, 2 and 3 replicas train the same weights as one replica in this thread', async () => {
  const steps = 4;
  const local = await trained(0, steps);
  // One worker does exactly what this thread does.
  assert.deepEqual([...(await trained(1, steps))], [...local], 'weights, 1 worker vs this thread');
  for (const replicas of [2, 3]) {
    // The gradients differ only by float rounding (6e-7 at most in the weights here); Adam
    // divides by √v, which could magnify it where a gradient is near zero, hence the margin. A
    // share left out of the average, or counted twice, moves weights by about lr = 1e-3.
    assertClose(await trained(replicas, steps), local, { atol: 1e-5 }, `weights after ${steps} steps, ${replicas} replicas vs 1`);
  }
});

test('renewing the workers between steps changes nothing: the same weights and optimizer state, bit for bit', async () => {
  const a = setup(20);
  const b = setup(20);
  const sa = a.state;
  const sb = b.state;
  const kept = await ParallelStepper.start(sa, a.settings, 'wasm');
  const renewed = await ParallelStepper.start(sb, b.settings, 'wasm');
  steppers.push(kept, renewed);
  for (let i = 0; i < 3; i++) {
    await kept.step(a.sampler.next(i, a.rng), 1e-3);
    await renewed.step(b.sampler.next(i, b.rng), 1e-3);
    await renewed.renew();
  }
  assert.deepEqual([...sb.params.data], [...sa.params.data], 'weights');
  for (const p of PHASES) {
    assert.equal(sb.optimizers[p].t, sa.optimizers[p].t, `${p} step count`);
    assert.deepEqual([...sb.optimizers[p].m.data], [...sa.optimizers[p].m.data], `${p} first moments`);
  }
  const [r0] = await renewed.replicaWeights(['encoder/dense0/kernel']);
  assert.deepEqual([...r0![0]!], [...sb.params.view('encoder/dense0/kernel')], 'a renewed replica holds the shared weights');
});

test('a replica worker that dies mid-step fails the step, and releases the other from the barrier', async () => {
  const { rng, state, sampler, settings } = setup(20);
  const parallel = await ParallelStepper.start(state, settings, 'wasm');
  steppers.push(parallel);
  await parallel.step(sampler.next(0, rng), 1e-3);
  type Inside = { channels: Array<{ worker: { terminate(): Promise<number> }; call<T>(req: object): Promise<T> }> };
  const [survivor, doomed] = (parallel as unknown as Inside).channels;
  const step = parallel.step(sampler.next(1, rng), 1e-3);
  void doomed!.worker.terminate();
  const within = <T>(p: Promise<T>, what: string) =>
    Promise.race([p, new Promise<string>((resolve) => setTimeout(() => resolve(`${what}: still waiting after 20 s`), 20_000).unref())]);
  const outcome = await within(
    step.then(
      () => 'completed',
      (err: Error) => `failed: ${err.message}`,
    ),
    'step',
  );
  assert.match(String(outcome), /^failed: .*exited/);
  // The other worker's queued phases fail at the barrier, after which it answers again.
  const read = await within(
    survivor!.call<Float32Array[]>({ cmd: 'read', names: ['heads'], upload: [] }).then((w) => `read ${w.length}`),
    'survivor',
  );
  assert.equal(read, 'read 1');
});
