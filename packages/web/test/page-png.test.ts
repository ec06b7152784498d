/**
 * The page's PNG path in Node: png-core.ts's decoder on fflate's inflate (png-zlib.ts) against
 * pngjs's decode of the same files, computed independently here (alpha flattened onto black as
 * floor(c·a/255), sharp's rule); CRC-32 against Node's zlib and Adler-32 against its definition;
 * and damaged files refused as `embed`'s decoder refuses them. Tolerance 0: bytes must match.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync, crc32 as zlibCrc32 } from 'node:zlib';
import { decodePngDirect } from '@aae-map/shared/decode';
import { PNG } from 'pngjs';
import { adler32, BROWSER_ZLIB, crc32 } from '../src/page/png-zlib.ts';
import { DecodeError, decodePngRows, readPngHeader } from '../src/page/shared.ts';

const W = 28;
const H = 28;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
}

/** A PNG whose pixels are smooth enough for every filter to be worth something, with a few random ones. */
function png(colorType: 0 | 2 | 4 | 6, filterType: number, seed: number): { buf: Buffer; rgba: Uint8Array } {
  const rnd = lcg(seed);
  const p = new PNG({ width: W, height: H });
  for (let i = 0; i < W * H; i++) {
    const x = i % W;
    const y = Math.floor(i / W);
    const v = (x * 9 + y * 5 + (rnd() & 31)) & 255;
    p.data[4 * i] = v;
    p.data[4 * i + 1] = colorType & 2 ? (v * 3 + y) & 255 : v;
    p.data[4 * i + 2] = colorType & 2 ? (255 - v) & 255 : v;
    p.data[4 * i + 3] = colorType & 4 ? rnd() : 255;
  }
  const buf = PNG.sync.write(p, { colorType, filterType, inputColorType: 6, inputHasAlpha: true });
  return { buf, rgba: new Uint8Array(PNG.sync.read(buf).data) };
}

function decodeOnPage(buf: Uint8Array, channels: 1 | 3): Uint8Array {
  const h = readPngHeader(buf)!;
  const out = new Uint8Array(W * H * channels);
  assert.equal(decodePngRows(buf, h, out, 0, channels, BROWSER_ZLIB), true);
  return out;
}

test('every colour type and row filter: the page decodes what pngjs decodes, flattened onto black', () => {
  for (const colorType of [0, 2, 4, 6] as const) {
    for (let filterType = 0; filterType <= 4; filterType++) {
      const { buf, rgba } = png(colorType, filterType, 11 * colorType + filterType);
      const rgb = decodeOnPage(buf, 3);
      const want = new Uint8Array(W * H * 3);
      for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) want[3 * i + c] = Math.floor((rgba[4 * i + c]! * rgba[4 * i + 3]!) / 255);
      assert.deepEqual(rgb, want, `colour type ${colorType}, filter ${filterType}, to RGB`);
      if (colorType === 0 || colorType === 4) {
        const gray = decodeOnPage(buf, 1);
        assert.deepEqual(
          gray,
          want.filter((_, j) => j % 3 === 0),
          `colour type ${colorType}, filter ${filterType}, to gray`,
        );
      }
      // The same bytes as embed's decoder (Node's zlib, the wasm unfilter for gray).
      for (const ch of [1, 3] as const) {
        const node = new Uint8Array(W * H * ch);
        decodePngDirect(buf, readPngHeader(buf)!, node, 0, ch);
        assert.deepEqual(decodeOnPage(buf, ch), node, `colour type ${colorType}, filter ${filterType}, ${ch} channels: page = embed`);
      }
    }
  }
});

test("CRC-32 equals zlib's; Adler-32 equals its definition", () => {
  const rnd = lcg(5);
  for (const n of [0, 1, 100, 5551, 5552, 5553, 70_000]) {
    const data = Uint8Array.from({ length: n }, () => (n > 6000 ? 255 : rnd()));
    assert.equal(crc32(data), zlibCrc32(data), `crc32 of ${n} bytes`);
    let a = 1;
    let b = 0;
    for (const v of data) {
      a = (a + v) % 65521;
      b = (b + a) % 65521;
    }
    assert.equal(adler32(data), (b * 65536 + a) >>> 0, `adler32 of ${n} bytes`);
  }
});

/** Replaces a PNG's one IDAT by `zlib` (a zlib stream), with a correct chunk CRC. */
function withIdat(buf: Buffer, zlib: Uint8Array): Buffer {
  const at = buf.indexOf('IDAT') - 4;
  const len = buf.readUInt32BE(at);
  const chunk = Buffer.alloc(12 + zlib.length);
  chunk.writeUInt32BE(zlib.length, 0);
  chunk.write('IDAT', 4, 'latin1');
  Buffer.from(zlib).copy(chunk, 8);
  chunk.writeUInt32BE(zlibCrc32(chunk.subarray(4, 8 + zlib.length)), 8 + zlib.length);
  return Buffer.concat([buf.subarray(0, at), chunk, buf.subarray(at + 12 + len)]);
}

test('damaged PNGs are refused on the page as in embed; extra image data is ignored as libpng ignores it', () => {
  const { buf, rgba } = png(0, 1, 3);
  // The image data unfiltered (filter byte 0 on every row), to deflate into new IDATs.
  const gray = rgba.filter((_, j) => j % 4 === 0);
  const raw = new Uint8Array(H * (W + 1));
  for (let y = 0; y < H; y++) raw.set(gray.subarray(y * W, (y + 1) * W), y * (W + 1) + 1);
  const good = deflateSync(raw);
  const cases: [string, Buffer][] = [
    [
      'bad Adler-32',
      withIdat(
        buf,
        Uint8Array.from(good, (v, i) => (i === good.length - 1 ? v ^ 1 : v)),
      ),
    ],
    ['truncated stream', withIdat(buf, good.subarray(0, good.length - 9))],
    ['too little data', withIdat(buf, deflateSync(raw.subarray(0, raw.length - W)))],
    ['bad chunk CRC', Buffer.from(buf).fill(0, buf.indexOf('IDAT') + 8, buf.indexOf('IDAT') + 12)],
  ];
  for (const [name, bad] of cases) {
    const h = readPngHeader(bad)!;
    const page = () => decodePngRows(bad, h, new Uint8Array(W * H), 0, 1, BROWSER_ZLIB);
    const node = () => decodePngDirect(bad, h, new Uint8Array(W * H), 0, 1);
    assert.throws(page, DecodeError, `${name}: the page refuses it`);
    assert.throws(node, DecodeError, `${name}: embed's decoder refuses it too`);
  }
  const longer = withIdat(buf, deflateSync(Buffer.concat([raw, Buffer.alloc(50, 7)])));
  assert.deepEqual(decodeOnPage(longer, 1), decodeOnPage(buf, 1), 'data past the image is ignored');
});
