/**
 * The zlib that png-core.ts's decoder needs, in the browser: fflate's inflate (pure JS, sync, into
 * a given buffer), with the Adler-32 trailer checked as Node's zlib checks it, and a CRC-32 table,
 * so the page takes and refuses the same PNGs as `embed`. The page's one import of fflate.
 */
import { unzlibSync } from 'fflate';
import type { PngInflater } from './shared.ts';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 bytes is the most that can be summed before b overflows 2^32 (zlib's NMAX).
  for (let i = 0; i < data.length; ) {
    const end = Math.min(data.length, i + 5552);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function checkTrailer(input: Uint8Array, data: Uint8Array): void {
  const n = input.length;
  if (n < 6) throw new Error('zlib stream too short');
  const stored = ((input[n - 4]! << 24) | (input[n - 3]! << 16) | (input[n - 2]! << 8) | input[n - 1]!) >>> 0;
  if (stored !== adler32(data)) throw new Error('incorrect data check');
}

export const BROWSER_ZLIB: PngInflater = {
  inflateInto(input, out) {
    const data = unzlibSync(input, { out });
    // A stream that fills `out` may hold more: png-core.ts then inflates it whole.
    if (data.length === out.length) return -1;
    checkTrailer(input, data);
    return data.length;
  },
  inflateAll(input) {
    const data = unzlibSync(input);
    checkTrailer(input, data);
    return data;
  },
  crc32,
};
