import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnistDataset } from '@aae-map/train';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { augmentImages, drawWarp, warpImage, warpImages } from '../src/step/augment.ts';
import { EpochSampler } from '../src/step/batch-sampler.ts';

const H = 5;
const W = 7;
const FILL = -1;
/** Whole-pixel shifts of up to `max` only: augmentImages copies such images rather than resampling them. */
const shiftsOnly = (max: number) => ({ shift: max, rotate: 0, scale: 0 });

/** The image shifted by (dy, dx) by definition: out[r][c] = img[r − dy][c − dx], FILL outside. */
function shifted(img: Float32Array, dy: number, dx: number): number[] {
  return Array.from({ length: H * W }, (_, i) => {
    const [r, c] = [Math.floor(i / W) - dy, (i % W) - dx];
    return r >= 0 && r < H && c >= 0 && c < W ? img[r * W + c]! : FILL;
  });
}

test('augmentImages with shifts only moves each image by one offset within ±max, fills the rest, and covers every offset', () => {
  const count = 400;
  const rng = new Rng(3);
  const x = Float32Array.from({ length: count * H * W }, (_, i) => (i % (H * W)) + 1 + 0.001 * Math.floor(i / (H * W)));
  const before = x.slice();
  augmentImages(x, count, H, W, shiftsOnly(2), FILL, rng);
  const seen = new Set<string>();
  for (let k = 0; k < count; k++) {
    const img = before.subarray(k * H * W, (k + 1) * H * W);
    const out = [...x.subarray(k * H * W, (k + 1) * H * W)];
    const matches: string[] = [];
    for (let dy = -3; dy <= 3; dy++)
      for (let dx = -3; dx <= 3; dx++) if (shifted(img, dy, dx).every((v, i) => v === out[i])) matches.push(`${dy},${dx}`);
    assert.equal(matches.length, 1, `image ${k} is one shift of its input (matched ${matches})`);
    const [dy, dx] = matches[0]!.split(',').map(Number) as [number, number];
    assert.ok(Math.abs(dy) <= 2 && Math.abs(dx) <= 2, `image ${k}: offset ${matches[0]} within ±2`);
    seen.add(matches[0]!);
  }
  assert.equal(seen.size, 25, 'all 25 offsets of ±2 occur in 400 images');
});

test('augmentImages with shifts of 0 pixels changes nothing and draws no random numbers', () => {
  const rng = new Rng(4);
  const x = Float32Array.from({ length: 3 * H * W }, (_, i) => i);
  augmentImages(x, 3, H, W, shiftsOnly(0), FILL, rng);
  assert.deepEqual(
    [...x],
    Array.from({ length: 3 * H * W }, (_, i) => i),
  );
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
    const s = new EpochSampler(train, split, arch, opts.batch, opts.noiseStd, { shift: augment, rotate: 0, scale: 0 });
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

test('warpImage: no warp is the identity, an integer shift is the whole-pixel shift, a quarter turn is a rotation of the pixel grid', () => {
  const img = Float32Array.from({ length: H * H }, (_, i) => Math.sin(i) * 100);
  const out = new Float32Array(H * H);
  const square = (f: (r: number, c: number) => number) => Array.from({ length: H * H }, (_, i) => f(Math.floor(i / H), i % H));
  warpImage(img, H, H, { angle: 0, scale: 1, dy: 0, dx: 0 }, FILL, out);
  assert.deepEqual([...out], [...img]);
  warpImage(img, H, H, { angle: 0, scale: 1, dy: 1, dx: -2 }, FILL, out);
  const shiftedSquare = square((r, c) => (r - 1 >= 0 && r - 1 < H && c + 2 < H ? img[(r - 1) * H + c + 2]! : FILL));
  assert.deepEqual([...out], shiftedSquare);
  // Angle π/2 reads the source at (H−1−c, r) about the centre of an odd square; cos(π/2) is
  // 6e-17, not 0, so compare to 1e-9.
  warpImage(img, H, H, { angle: Math.PI / 2, scale: 1, dy: 0, dx: 0 }, FILL, out);
  const turned = square((r, c) => img[(H - 1 - c) * H + r]!);
  out.forEach((v, i) => {
    assert.ok(Math.abs(v - turned[i]!) < 1e-9 * 100, `pixel ${i}: ${v} vs ${turned[i]}`);
  });
  // Scale 2 about the centre: output (r, c) reads (r + centre) / 2, between pixels: bilinear.
  warpImage(img, H, H, { angle: 0, scale: 2, dy: 0, dx: 0 }, FILL, out);
  const mid = (H - 1) / 2;
  const bilinear = (sr: number, sc: number) => {
    const [r0, c0] = [Math.floor(sr), Math.floor(sc)];
    const [fr, fc] = [sr - r0, sc - c0];
    const at = (r: number, c: number) => (r >= 0 && r < H && c >= 0 && c < H ? img[r * H + c]! : FILL);
    return (at(r0, c0) * (1 - fc) + at(r0, c0 + 1) * fc) * (1 - fr) + (at(r0 + 1, c0) * (1 - fc) + at(r0 + 1, c0 + 1) * fc) * fr;
  };
  out.forEach((v, i) => {
    assert.ok(Math.abs(v - bilinear((Math.floor(i / H) - mid) / 2 + mid, ((i % H) - mid) / 2 + mid)) < 1e-4, `zoomed pixel ${i}`);
  });
});

test('drawWarp draws each part uniformly within its limit, both signs', () => {
  const rng = new Rng(11);
  const warp = { shift: 2, rotate: 15, scale: 0.1 };
  const draws = Array.from({ length: 2000 }, () => drawWarp(warp, rng));
  const range = (f: (p: (typeof draws)[number]) => number) => [Math.min(...draws.map(f)), Math.max(...draws.map(f))];
  const deg = range((p) => (p.angle * 180) / Math.PI);
  assert.ok(deg[0]! >= -15 && deg[0]! < -14 && deg[1]! <= 15 && deg[1]! > 14, `angles ${deg}`);
  const s = range((p) => p.scale);
  assert.ok(s[0]! >= 0.9 && s[0]! < 0.91 && s[1]! <= 1.1 && s[1]! > 1.09, `scales ${s}`);
  for (const d of [range((p) => p.dy), range((p) => p.dx)])
    assert.ok(d[0]! >= -2 && d[0]! < -1.9 && d[1]! <= 2 && d[1]! > 1.9, `shifts ${d}`);
});

test('--augment-rotate and --augment-scale default to 15° and 0.1 with labels and to 0 without; the sampler then warps with them', async () => {
  const mnist = await loadMnistDataset();
  const o = resolveOptions({}, mnist);
  assert.deepEqual([o.augmentRotate, o.augmentScale], [15, 0.1]);
  const u = resolveOptions({ labels: 0 }, mnist);
  assert.deepEqual([u.augmentRotate, u.augmentScale], [0, 0]);
  assert.throws(() => resolveOptions({ augmentScale: 1 }, mnist), /--augment-scale must be a number in \[0, 1\)/);
  // augmentImages draws exactly what warpImages draws when rotation or scaling is on.
  const x = Float32Array.from({ length: 3 * H * W }, (_, i) => i % 17);
  const [a, b] = [x.slice(), x.slice()];
  augmentImages(a, 3, H, W, { shift: 1, rotate: 10, scale: 0 }, FILL, new Rng(2));
  warpImages(b, 3, H, W, { shift: 1, rotate: 10, scale: 0 }, FILL, new Rng(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, x);
});

test('RGB images: each channel is warped (and shifted) exactly as a gray image with the same random draw', () => {
  const count = 4;
  const planes = [0, 1, 2].map((ch) => Float32Array.from({ length: count * H * W }, (_, i) => Math.sin(i * 0.7 + ch) * 50));
  const rgb = new Float32Array(count * H * W * 3);
  for (const [ch, p] of planes.entries()) for (const [i, v] of p.entries()) rgb[3 * i + ch] = v;
  for (const warp of [
    { shift: 2, rotate: 0, scale: 0 },
    { shift: 1.5, rotate: 30, scale: 0.2 },
  ]) {
    const out = rgb.slice();
    augmentImages(out, count, H, W, warp, FILL, new Rng(9), 3);
    planes.forEach((p, ch) => {
      const gray = p.slice();
      augmentImages(gray, count, H, W, warp, FILL, new Rng(9));
      assert.deepEqual(
        Array.from(gray),
        Array.from({ length: gray.length }, (_, i) => out[3 * i + ch]!),
        `channel ${ch}, rotate ${warp.rotate}`,
      );
    });
  }
});
