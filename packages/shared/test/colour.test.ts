/**
 * The colour rule's two halves on real encoder output (sharp, libvips): which files are
 * gray-typed from their first bytes (PNG colour types, baseline and progressive JPEGs, a JPEG
 * whose frame header comes after EXIF), and the pixel test on RGBA as the page gives it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { isColourImage, isGrayFile } from '../src/decode/colour.ts';

const W = 24;
const gray = Buffer.from(Array.from({ length: W * W }, (_, i) => (i * 7) % 256));
const rgb = Buffer.from(Array.from({ length: W * W * 3 }, (_, i) => (i * 13) % 256));
const raw = (channels: 1 | 3) => sharp(channels === 1 ? gray : rgb, { raw: { width: W, height: W, channels } });

test('isGrayFile: PNG colour types 0 and 4 and one-component JPEGs are gray; colour ones not; other formats unknown', async () => {
  const cases: [string, Sharp, boolean | undefined][] = [
    ['gray PNG', raw(1).toColourspace('b-w').png(), true],
    ['gray+alpha PNG', raw(1).toColourspace('b-w').ensureAlpha().png(), true],
    ['RGB PNG', raw(3).png(), false],
    ['RGBA PNG', raw(3).ensureAlpha().png(), false],
    ['palette PNG', raw(3).png({ palette: true }), false],
    ['gray JPEG', raw(1).toColourspace('b-w').jpeg(), true],
    ['gray progressive JPEG', raw(1).toColourspace('b-w').jpeg({ progressive: true }), true],
    ['colour JPEG', raw(3).jpeg(), false],
    [
      'gray JPEG after EXIF',
      raw(1)
        .toColourspace('b-w')
        .withExif({ IFD0: { ImageDescription: 'x'.repeat(2000) } })
        .jpeg(),
      true,
    ],
    ['WebP', raw(3).webp(), undefined],
  ];
  for (const [what, img, want] of cases) {
    const buf = await img.toBuffer();
    assert.equal(isGrayFile(buf), want, what);
    if (want !== undefined) assert.equal((await sharp(buf).metadata()).channels! <= 2, want, `${what}: sharp agrees`);
  }
  assert.equal(isGrayFile((await raw(1).toColourspace('b-w').jpeg().toBuffer()).subarray(0, 8)), undefined, 'too short to say');
});

test('isColourImage: RGBA pixels (stride 4) follow the same rule as RGB', () => {
  const rgba = (coloured: number, spread: number) =>
    Uint8Array.from({ length: 100 * 4 }, (_, i) => (i % 4 === 3 ? 255 : i % 4 === 0 && i / 4 < coloured ? 100 + spread : 100));
  assert.equal(isColourImage(rgba(0, 0), 4), false);
  assert.equal(isColourImage(rgba(100, 16), 4), false, '16 levels is not colour');
  assert.equal(isColourImage(rgba(1, 17), 4), true, '1 of 100 pixels');
});
