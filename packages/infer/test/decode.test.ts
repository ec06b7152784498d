/**
 * The JS PNG paths (direct and pngjs) against sharp, which is the reference: same pixels on
 * real MNIST files and on every PNG flavour the JS paths take; damaged files get a reason.
 * Tolerances: 0 (bit-exact) for all PNG parity checks; the colour → gray formula alone may
 * differ from libvips by 1 level on under 0.01% of random colours (float32 summation order).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { type LabelledImages, readMnist, srgbToGray } from '@aae-map/shared';
import { decodeBatch, decodeImage, decodePngDirect, decodeWithSharp, readPngHeader } from '@aae-map/shared/decode';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { encodeGrayPng } from '../src/sample-images.ts';

const W = 28;
const H = 28;
let mnist: LabelledImages;
let tmp: string;
before(async () => {
  mnist = await readMnist('test');
  tmp = await mkdtemp(join(tmpdir(), 'infer-decode-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 24;
  };
}

/** Decodes with the per-file choice (awaiting if it went to sharp) and with sharp alone. */
async function both(buf: Uint8Array, channels: 1 | 3 = 1): Promise<{ js: Uint8Array; ref: Uint8Array; path: 'js' | 'sharp' }> {
  const js = new Uint8Array(W * H * channels);
  const ref = new Uint8Array(W * H * channels);
  const pending = decodeImage(buf, W, H, js, 0, undefined, channels);
  await pending;
  await decodeWithSharp(buf, W, H, ref, 0, undefined, channels);
  return { js, ref, path: pending === undefined ? 'js' : 'sharp' };
}

test("real MNIST PNGs: the JS path gives sharp's pixels and the original digit, bit for bit", async () => {
  for (const i of [0, 1, 2, 18, 61, 999, 4321, 9999]) {
    const digit = mnist.pixels.subarray(i * W * H, (i + 1) * W * H);
    const png = encodeGrayPng(digit, W, H);
    const { js, ref, path } = await both(png);
    assert.equal(path, 'js');
    assert.deepEqual(js, ref, `image ${i}: JS path vs sharp`);
    assert.deepEqual(js, new Uint8Array(digit), `image ${i}: decoded vs MNIST`);
  }
});

test('every PNG flavour of up to 8 bits at the model size, to gray and to RGB: JS path equals sharp exactly', async () => {
  const rnd = lcg(7);
  const flavours: [string, Buffer][] = [];
  for (const channels of [1, 2, 3, 4] as const) {
    const raw = Buffer.from(Array.from({ length: W * H * channels }, rnd));
    const base = () => sharp(raw, { raw: { width: W, height: H, channels } });
    flavours.push([`sharp ${channels}ch`, await base().png().toBuffer()]);
    flavours.push([`sharp ${channels}ch as gray`, await base().toColourspace('b-w').png().toBuffer()]);
    flavours.push([`sharp ${channels}ch interlaced`, await base().png({ progressive: true }).toBuffer()]);
    flavours.push([`sharp ${channels}ch palette`, await base().png({ palette: true, colours: 64 }).toBuffer()]);
  }
  const gray = Buffer.from(Array.from({ length: W * H }, rnd));
  for (const bitdepth of [1, 2, 4] as const) {
    const png = await sharp(gray, { raw: { width: W, height: H, channels: 1 } })
      .png({ palette: true, colours: 2 ** bitdepth })
      .toBuffer();
    assert.equal(readPngHeader(png)!.bitDepth, bitdepth);
    flavours.push([`sharp ${bitdepth}-bit palette`, png]);
  }
  for (const colorType of [0, 2, 4, 6] as const) {
    const png = new PNG({ width: W, height: H });
    png.data = Buffer.from(Array.from({ length: W * H * 4 }, rnd));
    flavours.push([`pngjs colour type ${colorType}`, PNG.sync.write(png, { colorType })]);
  }
  const seen = new Set<number>();
  for (const [name, buf] of flavours) {
    const h = readPngHeader(buf)!;
    seen.add(h.colorType);
    for (const channels of [1, 3] as const) {
      const { js, ref, path } = await both(buf, channels);
      assert.equal(path, 'js', name);
      assert.deepEqual(js, ref, `${name} (colour type ${h.colorType}, interlace ${h.interlace}) to ${channels} channels`);
    }
  }
  assert.deepEqual([...seen].sort(), [0, 2, 3, 4, 6], 'all five PNG colour types covered');
});

test('gray PNGs with each row filter forced (None, Sub, Up, Average, Paeth): the direct decoder equals sharp and the digit', async () => {
  const rnd = lcg(5);
  const noise = new Uint8Array(W * H).map(() => rnd());
  for (let i = 0; i < 6; i++) {
    const digit = i < 5 ? mnist.pixels.subarray(i * W * H, (i + 1) * W * H) : noise;
    for (const filterType of [0, 1, 2, 3, 4]) {
      const png = new PNG({ width: W, height: H });
      png.data = Buffer.from(digit);
      const buf = PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, filterType });
      const rows = inflateSync(buf.subarray(41, 41 + buf.readUInt32BE(33)));
      for (let y = 0; y < H; y++) assert.equal(rows[y * (W + 1)], filterType, 'pngjs wrote the filter asked for');
      const { js, ref, path } = await both(buf);
      assert.equal(path, 'js');
      assert.deepEqual(js, ref, `image ${i}, filter ${filterType}: JS path vs sharp`);
      assert.deepEqual(js, new Uint8Array(digit), `image ${i}, filter ${filterType}: decoded vs source`);
    }
  }
});

test('the direct decoder takes the common subset and leaves palette and interlaced files to pngjs', async () => {
  const raw = Buffer.from(Array.from({ length: W * H * 3 }, lcg(3)));
  const out = new Uint8Array(W * H);
  const plain = await sharp(raw, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toBuffer();
  const palette = await sharp(raw, { raw: { width: W, height: H, channels: 3 } })
    .png({ palette: true })
    .toBuffer();
  const interlaced = await sharp(raw, { raw: { width: W, height: H, channels: 3 } })
    .png({ progressive: true })
    .toBuffer();
  const take = (b: Buffer) => {
    const h = readPngHeader(b)!;
    return decodePngDirect(b, h, out, 0);
  };
  assert.equal(take(plain), true);
  assert.equal(take(palette), false);
  assert.equal(take(interlaced), false);
});

test('colour → gray matches libvips on 262,144 random colours to 1 level, on under 0.01% of them', async () => {
  const n = 512 * 512;
  const rgb = Buffer.from(Array.from({ length: n * 3 }, lcg(11)));
  const ref = await sharp(rgb, { raw: { width: 512, height: 512, channels: 3 } })
    .grayscale()
    .raw()
    .toBuffer();
  let off = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(srgbToGray(rgb[3 * i]!, rgb[3 * i + 1]!, rgb[3 * i + 2]!) - ref[i]!);
    if (d > 0) off++;
    max = Math.max(max, d);
  }
  assert.ok(max <= 1, `max difference ${max}`);
  assert.ok(off / n < 1e-4, `${off} of ${n} differ`);
});

test('other sizes and formats go through sharp and are stretched to the model size', async () => {
  const big = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 100, b: 50 } } })
    .jpeg()
    .toBuffer();
  const { js, ref, path } = await both(big);
  assert.equal(path, 'sharp');
  assert.deepEqual(js, ref);
  const expected = srgbToGray(200, 100, 50);
  assert.ok(
    js.every((v) => Math.abs(v - expected) <= 2),
    `flat colour stays flat (${expected} ± 2 for JPEG)`,
  );
});

test('RGB output: colour kept, gray replicated to three channels, alike in the JS path and sharp', async () => {
  const rgbOf = (gray: Uint8Array) => Uint8Array.from({ length: gray.length * 3 }, (_, i) => gray[Math.floor(i / 3)]!);
  const digit = mnist.pixels.subarray(0, W * H);
  const grayPng = await both(encodeGrayPng(digit, W, H), 3);
  assert.equal(grayPng.path, 'js');
  assert.deepEqual(grayPng.js, rgbOf(digit), 'a gray PNG: the digit in each channel');
  const grayJpeg = await both(
    await sharp(Buffer.from(digit), { raw: { width: W, height: H, channels: 1 } })
      .jpeg()
      .toBuffer(),
    3,
  );
  assert.equal(grayJpeg.path, 'sharp');
  assert.ok(
    grayJpeg.js.every((v, i) => i % 3 !== 0 || (v === grayJpeg.js[i + 1] && v === grayJpeg.js[i + 2])),
    'a gray JPEG: equal channels',
  );
  const colour = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 100, b: 50 } } })
    .jpeg()
    .toBuffer();
  const flat = await both(colour, 3);
  assert.deepEqual(flat.js, flat.ref);
  assert.ok(
    flat.js.every((v, i) => Math.abs(v - [200, 100, 50][i % 3]!) <= 2),
    'a resized colour JPEG keeps its colour (± 2 for JPEG)',
  );
});

test('decodeBatch packs the good images in order and gives each bad file a reason', async () => {
  const dir = join(tmp, 'batch');
  await mkdir(join(dir, 'sub'), { recursive: true });
  const digit = (i: number) => mnist.pixels.subarray(i * W * H, (i + 1) * W * H);
  const good = encodeGrayPng(digit(0), W, H);
  const files: [string, Uint8Array][] = [
    ['a.png', good],
    ['empty.png', new Uint8Array(0)],
    ['b.png', encodeGrayPng(digit(1), W, H)],
    ['text.jpg', new TextEncoder().encode('not an image at all')],
    ['truncated.png', good.subarray(0, good.length - 30)],
    ['badcrc.png', Uint8Array.from(good, (v, i) => (i === good.length - 20 ? v ^ 0xff : v))],
    ['c.png', encodeGrayPng(digit(2), W, H)],
  ];
  for (const [name, bytes] of files) await writeFile(join(dir, name), bytes);
  const paths = [...files.map(([n]) => n), 'missing.png', 'sub'];
  const r = await decodeBatch({ root: dir, paths, width: W, height: H });
  assert.deepEqual(r.ok, [0, 2, 6]);
  assert.deepEqual(r.pixels, new Uint8Array([...digit(0), ...digit(1), ...digit(2)]));
  const rgb = await decodeBatch({ root: dir, paths, width: W, height: H, channels: 3, convertColour: true });
  assert.deepEqual(rgb.ok, [0, 2, 6]);
  assert.deepEqual(
    rgb.pixels,
    Uint8Array.from({ length: r.pixels.length * 3 }, (_, i) => r.pixels[Math.floor(i / 3)]!),
    'RGB: three equal channels a pixel, packed',
  );
  const reasons: Record<string, string> = Object.fromEntries(r.failed.map((f) => [paths[f.index], f.reason]));
  assert.deepEqual(Object.keys(reasons).sort(), ['badcrc.png', 'empty.png', 'missing.png', 'sub', 'text.jpg', 'truncated.png']);
  assert.equal(reasons['empty.png'], 'empty file');
  assert.equal(reasons['missing.png'], 'cannot read (ENOENT)');
  assert.equal(reasons.sub, 'is a directory');
  for (const [name, reason] of Object.entries(reasons))
    assert.ok(!reason.includes('\n') && reason.length > 5, `${name}: one-line reason '${reason}'`);
});
