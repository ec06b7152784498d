import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deskewImage, deskewSplit } from '../src/data/deskew.ts';
import { resolveOptions } from '../src/run/options.ts';

const H = 28;
const W = 28;
const gray = { height: H, width: W, channels: 1 };

/** A stroke of half-width 1.5 px along x = x0 + s·(y − 13.5), rows 4 to 23, anti-aliased by coverage. */
function slantedStroke(x0: number, s: number): Uint8Array {
  const img = new Uint8Array(H * W);
  for (let y = 4; y < 24; y++) {
    const mid = x0 + s * (y - 13.5);
    for (let x = 0; x < W; x++) img[y * W + x] = Math.round(255 * Math.max(0, Math.min(1, 2 - Math.abs(x - mid))));
  }
  return img;
}

/** Centre of mass, shear μ11/μ02 and each row's own centre of ink, in float64 from their definitions. */
function moments(img: Uint8Array) {
  let m = 0;
  let sx = 0;
  let sy = 0;
  img.forEach((p, i) => {
    m += p;
    sx += p * (i % W);
    sy += p * Math.floor(i / W);
  });
  const [mx, my] = [sx / m, sy / m];
  let m11 = 0;
  let m02 = 0;
  img.forEach((p, i) => {
    m11 += p * ((i % W) - mx) * (Math.floor(i / W) - my);
    m02 += p * (Math.floor(i / W) - my) ** 2;
  });
  const rowCentre = (y: number) => {
    const row = [...img.subarray(y * W, (y + 1) * W)];
    return row.reduce((s, p, x) => s + p * x, 0) / row.reduce((s, p) => s + p, 0);
  };
  return { mx, my, shear: m11 / m02, rowCentre };
}

test('deskew: a slanted stroke off centre comes out upright and centred, row by row', () => {
  for (const [x0, s] of [
    [9, 0.35],
    [17, -0.25],
    [13.5, 0],
  ] as const) {
    const input = slantedStroke(x0, s);
    assert.ok(Math.abs(moments(input).shear - s) < 0.02, 'the fixture has the slant it was drawn with');
    const out = new Uint8Array(H * W);
    deskewImage(input, gray, out);
    const m = moments(out);
    assert.ok(Math.abs(m.mx - 13.5) < 0.3 && Math.abs(m.my - 13.5) < 0.3, `stroke (${x0}, ${s}): centre at ${m.mx}, ${m.my}`);
    assert.ok(Math.abs(m.shear) < 0.02, `stroke (${x0}, ${s}): shear left ${m.shear}`);
    // Every inner row's ink is on the centre column, not just the average over rows.
    for (let y = 6; y < 22; y++) assert.ok(Math.abs(m.rowCentre(y) - 13.5) < 0.35, `stroke (${x0}, ${s}): row ${y} at ${m.rowCentre(y)}`);
    // Interpolation moves ink but neither makes nor loses much of it.
    const ink = (img: Uint8Array) => img.reduce((a, p) => a + p, 0);
    assert.ok(Math.abs(ink(out) / ink(input) - 1) < 0.02, `stroke (${x0}, ${s}): ink ${ink(out)} against ${ink(input)}`);
  }
});

test('deskew: RGB is moved as its gray mean is; an empty image stays empty; a split keeps its labels; features are refused', () => {
  const g = slantedStroke(10, 0.3);
  const rgb = new Uint8Array(H * W * 3);
  for (let i = 0; i < H * W; i++) for (let k = 0; k < 3; k++) rgb[i * 3 + k] = g[i]!;
  const outGray = new Uint8Array(H * W);
  const outRgb = new Uint8Array(H * W * 3);
  deskewImage(g, gray, outGray);
  deskewImage(rgb, { ...gray, channels: 3 }, outRgb);
  for (let i = 0; i < H * W; i++) for (let k = 0; k < 3; k++) assert.equal(outRgb[i * 3 + k], outGray[i], `pixel ${i}, channel ${k}`);

  const empty = new Uint8Array(H * W);
  const outEmpty = new Uint8Array(H * W).fill(7);
  deskewImage(empty, gray, outEmpty);
  assert.ok(outEmpty.every((p) => p === 0));

  const labels = Int32Array.from([3, 1]);
  const split = deskewSplit({ pixels: Uint8Array.from([...g, ...slantedStroke(15, -0.2)]), count: 2, labels }, gray);
  assert.equal(split.count, 2);
  assert.equal(split.labels, labels);
  assert.deepEqual([...split.pixels.subarray(0, H * W)], [...outGray]);
  assert.throws(() => deskewSplit({ pixels: new Float32Array(4), count: 1, labels }, { height: 1, width: 4, channels: 1 }), /uint8 images/);
});

test('--neighbour-space: pixels by default, deskewed for images only, nothing else', () => {
  const images = {
    name: 'x',
    inputKind: 'image',
    classNames: [],
    train: { pixels: new Uint8Array(0), count: 0, labels: new Int32Array(0) },
  };
  const features = { ...images, inputKind: 'features' };
  assert.equal(resolveOptions({ labels: 0 }, images as never).neighbourSpace, 'pixels');
  assert.equal(resolveOptions({ labels: 0, neighbourSpace: 'deskewed' }, images as never).neighbourSpace, 'deskewed');
  assert.throws(() => resolveOptions({ labels: 0, neighbourSpace: 'deskewed' }, features as never), /feature vectors have none/);
  assert.throws(
    () => resolveOptions({ labels: 0, neighbourSpace: 'tangent' as never }, images as never),
    /must be one of pixels, deskewed/,
  );
});
