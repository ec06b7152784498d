import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnistDataset } from '@aae-map/train';
import { shiftImages } from '../src/augment.ts';
import { EpochSampler } from '../src/batch-sampler.ts';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { architectureFor, resolveOptions } from '../src/options.ts';
import { Rng } from '../src/rng.ts';

const H = 5;
const W = 7;
const FILL = -1;

/** The image shifted by (dy, dx) by definition: out[r][c] = img[r − dy][c − dx], FILL outside. */
function shifted(img: Float32Array, dy: number, dx: number): number[] {
  return Array.from({ length: H * W }, (_, i) => {
    const [r, c] = [Math.floor(i / W) - dy, (i % W) - dx];
    return r >= 0 && r < H && c >= 0 && c < W ? img[r * W + c]! : FILL;
  });
}

test('shiftImages moves each image by one offset within ±max, fills the rest, and covers every offset', () => {
  const count = 400;
  const rng = new Rng(3);
  const x = Float32Array.from({ length: count * H * W }, (_, i) => (i % (H * W)) + 1 + 0.001 * Math.floor(i / (H * W)));
  const before = x.slice();
  shiftImages(x, count, H, W, 2, FILL, rng);
  const seen = new Set<string>();
  for (let k = 0; k < count; k++) {
    const img = before.subarray(k * H * W, (k + 1) * H * W);
    const out = [...x.subarray(k * H * W, (k + 1) * H * W)];
    const matches: string[] = [];
    for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) if (shifted(img, dy, dx).every((v, i) => v === out[i])) matches.push(`${dy},${dx}`);
    assert.equal(matches.length, 1, `image ${k} is one shift of its input (matched ${matches})`);
    const [dy, dx] = matches[0]!.split(',').map(Number) as [number, number];
    assert.ok(Math.abs(dy) <= 2 && Math.abs(dx) <= 2, `image ${k}: offset ${matches[0]} within ±2`);
    seen.add(matches[0]!);
  }
  assert.equal(seen.size, 25, 'all 25 offsets of ±2 occur in 400 images');
});

test('shiftImages with 0 pixels changes nothing and draws no random numbers', () => {
  const rng = new Rng(4);
  const x = Float32Array.from({ length: 3 * H * W }, (_, i) => i);
  shiftImages(x, 3, H, W, 0, FILL, rng);
  assert.deepEqual([...x], Array.from({ length: 3 * H * W }, (_, i) => i));
  assert.equal(rng.int(1000), new Rng(4).int(1000));
});

test('the sampler shifts unlabelled and labelled images; labels, prior samples and noise are as without --augment', async () => {
  const mnist = await loadMnistDataset();
  const train = { ...mnist.train, count: 1000, labels: mnist.train.labels.subarray(0, 1000) };
  const opts = resolveOptions({ batch: 10, labels: 100 }, mnist);
  const arch = architectureFor(opts, mnist);
  const split = balancedSplit(train.labels, 10, 100, 1);
  const draw = (augment: number) => {
    const rng = new Rng(7);
    const s = new EpochSampler(train, split, arch, opts.batch, opts.noiseStd, augment);
    s.startEpoch(rng);
    return s.next(0, rng);
  };
  const [plain, aug] = [draw(0), draw(2)];
  assert.deepEqual(aug.priorZ, plain.priorZ);
  assert.deepEqual(aug.noiseGenZ, plain.noiseGenZ);
  assert.deepEqual(aug.labels, plain.labels);
  const px = 28 * 28;
  const ink = (a: Float32Array, k: number) => a.subarray(k * px, (k + 1) * px).filter((v) => v > -1).length;
  for (const key of ['xU', 'xL'] as const) {
    assert.notDeepEqual(aug[key], plain[key], `${key} images are shifted`);
    // A shift of at most 2 pixels keeps nearly all of a centred digit's ink.
    for (let k = 0; k < opts.batch; k++) assert.ok(ink(aug[key]!, k) >= 0.9 * ink(plain[key]!, k), `${key} image ${k} keeps its ink`);
  }
});

test('--augment defaults to 2 with labels and to 0 without; an explicit value wins', async () => {
  const mnist = await loadMnistDataset();
  assert.equal(resolveOptions({}, mnist).augment, 2);
  assert.equal(resolveOptions({ labels: 0 }, mnist).augment, 0);
  assert.equal(resolveOptions({ labels: 0, augment: 1 }, mnist).augment, 1);
  assert.equal(resolveOptions({ augment: 0 }, mnist).augment, 0);
  assert.throws(() => resolveOptions({ augment: -1 }, mnist), /--augment must be a whole number/);
});
