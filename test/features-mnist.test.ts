/**
 * MNIST's pixels as 784-D feature vectors against the image path, on the same 2,000 training and
 * 500 test images with the same seed (hidden 64,64, one epoch, no augmentation or VAT):
 * - pixels scaled as the image path scales them (x = p/127.5 − 1) and used as given
 *   (--no-standardize) train exactly as the images do: every loss and accuracy is equal, since the
 *   inputs are the same float32 numbers and, all lying in [-1, 1], get the image decoder's tanh;
 * - standardised per feature (the default), raw 0..255 pixels give a different run, whose test
 *   error is within 0.1 of the image run's. Standardising trains faster in these short runs: over
 *   seeds 1–5 it read 0.022–0.098 lower after one epoch, and 0.098 and 0.176 lower after 10 (seeds
 *   1, 2; batch 50; docs/results.md).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mnistFiles, readMnist } from '@aae-map/shared';
import { type EpochMetrics, type TrainOptions, train } from '@aae-map/train';
import { writeNpyF32, writeNpyLabels } from './fixtures/npy.ts';

const TRAIN = 2000;
const TEST = 500;
const settings: TrainOptions = {
  progress: false,
  log: () => {},
  backend: 'wasm',
  hidden: [64, 64],
  epochs: 1,
  seed: 1,
  augment: 0,
  augmentRotate: 0,
  augmentScale: 0,
  vat: 0,
};

let root: string;
const at = (name: string) => join(root, name);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'aae-features-mnist-'));
  for (const [split, n] of [
    ['train', TRAIN],
    ['test', TEST],
  ] as const) {
    const m = await readMnist(split);
    const pixels = m.pixels.subarray(0, n * 784);
    await writeNpyF32(at(`${split}-raw.npy`), Float32Array.from(pixels), n, 784);
    // The image path's own arithmetic (gatherNormalized): pixel·(1/127.5) + (−1), rounded to float32.
    await writeNpyF32(
      at(`${split}-scaled.npy`),
      Float32Array.from(pixels, (p) => p * (1 / 127.5) + -1),
      n,
      784,
    );
    await writeNpyLabels(at(`${split}-labels.npy`), m.labels.subarray(0, n));
  }
});
after(() => rm(root, { recursive: true, force: true }));

const vectors = (kind: 'raw' | 'scaled') => ({
  features: at(`train-${kind}.npy`),
  labels: at('train-labels.npy'),
  testFeatures: at(`test-${kind}.npy`),
  testLabels: at('test-labels.npy'),
});

/** What a run learned, without its timings. */
const learned = (m: EpochMetrics) => ({
  loss: m.loss,
  discConfidence: m.discConfidence,
  labelledAccuracy: m.labelledAccuracy,
  testAccuracy: m.testAccuracy,
});

let imageRun: EpochMetrics;

test('pixels scaled as images are, used as given, train exactly as the images', async (t) => {
  const f = mnistFiles();
  const images = { images: f.trainImages, labels: f.trainLabels, testImages: f.testImages, testLabels: f.testLabels };
  const limits = { trainLimit: TRAIN, testLimit: TEST };
  const image = await train({ ...settings, ...limits, data: images, runDir: at('image-run') });
  const asGiven = await train({ ...settings, data: vectors('scaled'), standardize: false, runDir: at('scaled-run') });
  imageRun = image.metrics[0]!;
  t.diagnostic(`test error: images ${imageRun.testError}, scaled pixels as features ${asGiven.metrics[0]!.testError}`);
  assert.equal(asGiven.manifest.architecture.inputKind, 'features');
  assert.equal(asGiven.manifest.architecture.decoderOutput, 'tanh');
  assert.deepEqual(learned(asGiven.metrics[0]!), learned(imageRun));
});

test('raw pixels standardised per feature: the test error within 0.1 of the image run', async (t) => {
  const r = await train({ ...settings, data: vectors('raw'), runDir: at('raw-run') });
  const a = r.manifest.architecture;
  assert.equal(a.decoderOutput, 'linear');
  // MNIST's border pixels are 0 in all 2,000 images: constant features, divided by 1.
  assert.equal(a.standardization!.std[0], 1);
  const error = r.metrics[0]!.testError!;
  t.diagnostic(`test error: images ${imageRun.testError}, standardised pixels ${error}`);
  assert.ok(Math.abs(error - imageRun.testError!) <= 0.1, `${error} vs ${imageRun.testError}`);
});
