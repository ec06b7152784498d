/**
 * The wasm unfilter (png-unfilter.ts) against the PNG specification's filter definitions,
 * written out here on their own: every filter type on every row position, random widths and
 * heights, layouts that shrink and grow (the zero row above the first), and bad filter types.
 * The module it loads is the one its assembler builds.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { DecodeError } from '../src/decode/decode-error.ts';
import { grayInput, moduleCode, unfilterGrayWasm } from '../src/decode/png-unfilter.ts';

/** A seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
}

/** PNG spec section 9: Recon(x) from Filt(x), a (left), b (above), c (above left); 0 outside the image. */
function reference(filtered: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const px = (x: number, y: number) => (x < 0 || y < 0 ? 0 : out[y * width + x]!);
  for (let y = 0; y < height; y++) {
    const type = filtered[y * (width + 1)]!;
    for (let x = 0; x < width; x++) {
      const f = filtered[y * (width + 1) + 1 + x]!;
      const [a, b, c] = [px(x - 1, y), px(x, y - 1), px(x - 1, y - 1)];
      let pred = 0;
      if (type === 1) pred = a;
      else if (type === 2) pred = b;
      else if (type === 3) pred = Math.floor((a + b) / 2);
      else if (type === 4) {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * width + x] = (f + pred) % 256;
    }
  }
  return out;
}

function unfilter(filtered: Uint8Array, width: number, height: number): Uint8Array {
  const input = grayInput(width, height);
  assert.ok(input, 'WebAssembly is available');
  assert.equal(input.length, (width + 1) * height + 1);
  input.set(filtered);
  const out = new Uint8Array(width * height + 4).fill(7);
  unfilterGrayWasm(width, height, out, 2);
  assert.deepEqual([...out.subarray(0, 2), ...out.subarray(2 + width * height)], [7, 7, 7, 7], 'nothing written outside its place');
  return out.subarray(2, 2 + width * height);
}

function randomImage(next: () => number, width: number, height: number, type?: number): Uint8Array {
  const data = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++) {
    data[y * (width + 1)] = type ?? next() % 5;
    for (let x = 0; x < width; x++) data[y * (width + 1) + 1 + x] = next();
  }
  return data;
}

test('the module loaded is the one the assembler in png-unfilter.ts builds', async () => {
  const source = await readFile(new URL('../src/decode/png-unfilter.ts', import.meta.url), 'utf8');
  const from = source.indexOf('const MODULE_BASE64 =');
  assert.ok(from >= 0, 'MODULE_BASE64 found');
  const base64 = [...source.slice(from, source.indexOf(';', from)).matchAll(/'([A-Za-z0-9+/=]*)'/g)].map((m) => m[1]).join('');
  assert.equal(base64, Buffer.from(moduleCode()).toString('base64'), 'regenerate MODULE_BASE64 from moduleCode()');
});

test('matches the spec for every filter type, on random images of many sizes', () => {
  const next = rng(1);
  for (let trial = 0; trial < 400; trial++) {
    const [width, height] = [1 + (next() % 40), 1 + (next() % 12)];
    const data = randomImage(next, width, height, trial < 50 ? trial % 5 : undefined);
    assert.deepEqual(unfilter(data, width, height), reference(data, width, height), `${width}x${height}, trial ${trial}`);
  }
});

test('the first row sees zeros above it after the layout shrinks and grows again', () => {
  const next = rng(2);
  for (const [width, height] of [
    [64, 64],
    [28, 28],
    [5, 3],
    [64, 64],
    [300, 2],
    [28, 28],
  ] as const) {
    for (const type of [2, 3, 4]) {
      const data = randomImage(next, width, height, type);
      assert.deepEqual(unfilter(data, width, height), reference(data, width, height), `${width}x${height}, filter ${type}`);
    }
  }
});

test('an unknown filter type is a DecodeError naming the row', () => {
  const next = rng(3);
  const data = randomImage(next, 28, 28);
  data[6 * 29] = 5;
  const input = grayInput(28, 28)!;
  input.set(data);
  assert.throws(
    () => unfilterGrayWasm(28, 28, new Uint8Array(28 * 28), 0),
    (e: unknown) => e instanceof DecodeError && e.message === 'PNG row 6 has unknown filter type 5',
  );
});
