/**
 * The browser-safe core of the direct PNG decoder (png-direct.ts has the Node side): chunk walk,
 * row filters and conversion to the model's pixels for 8-bit, non-interlaced gray, gray+alpha,
 * RGB and RGBA PNGs without palette, tRNS or ICC profile. The zlib inflate and CRC are passed in
 * (Node's zlib for `embed`, fflate on the page), so both give the same pixels from the same rules.
 */
import { concatBytes } from '../bytes.ts';
import type { InputChannels } from '../contracts/model-metadata.ts';
import { colourMismatch, grayUnlessColour, isGrayPngType } from './colour.ts';
import { DecodeError } from './decode-error.ts';
import { srgbToGray } from './gray.ts';
import { ICCP, IDAT, IEND, IHDR, PLTE, TRNS } from './png-chunk-types.ts';
import type { PngHeader } from './png-header.ts';

/** What the decoder needs from a zlib implementation. */
export interface PngInflater {
  /** Inflates the zlib stream `input` into `out`: the bytes written, or -1 when it fills `out` (it may hold more). Throws on corrupt data. */
  inflateInto(input: Uint8Array, out: Uint8Array): number;
  /** The whole stream, for the rare one with more data than the image needs. */
  inflateAll(input: Uint8Array): Uint8Array;
  crc32(data: Uint8Array): number;
  /**
   * Gray 8-bit images for a gray model may be unfiltered elsewhere (png-unfilter.ts's wasm):
   * `input` gives the buffer to inflate into (undefined: use the JS path), `unfilter` writes the pixels.
   */
  gray?: {
    input(width: number, height: number): Uint8Array | undefined;
    unfilter(width: number, height: number, out: Uint8Array, offset: number): void;
  };
}

/** The inflated image data, reused from file to file. */
let inflated = new Uint8Array(0);

/** Bytes per pixel by colour type, for the types this decoder takes. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

interface Chunks {
  idat: Uint8Array[];
  /** Chunk types this decoder does not handle, and that change pixels (palette, transparency, ICC). */
  unsupported: boolean;
}

function readChunks(buf: Uint8Array, crc32: (data: Uint8Array) => number): Chunks {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Chunks = { idat: [], unsupported: false };
  for (let at = 8; ; ) {
    if (at + 12 > buf.length) throw new DecodeError('truncated PNG (no IEND chunk)');
    const len = view.getUint32(at);
    const end = at + 12 + len;
    if (end > buf.length) throw new DecodeError('truncated PNG chunk');
    const type = view.getUint32(at + 4);
    if (type === IHDR || type === IDAT) {
      // libpng rejects critical chunks with a bad CRC; so do we, so both paths agree on bad files.
      if (crc32(buf.subarray(at + 4, at + 8 + len)) !== view.getUint32(at + 8 + len))
        throw new DecodeError(`PNG ${type === IHDR ? 'IHDR' : 'IDAT'} chunk has a bad CRC`);
    }
    if (type === IDAT) out.idat.push(buf.subarray(at + 8, at + 8 + len));
    else if (type === PLTE || type === TRNS || type === ICCP) out.unsupported = true;
    else if (type === IEND) return out;
    at = end;
  }
}

const paeth = (a: number, b: number, c: number) => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** Reverses the per-row filters in place; each row keeps its filter byte in front. */
function unfilter(data: Uint8Array, height: number, stride: number, bpp: number): void {
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1;
    const up = row - (stride + 1); // the row above; only read when y > 0
    const filter = data[row - 1]!;
    if (filter === 0) continue;
    if (filter === 1) {
      for (let i = bpp; i < stride; i++) data[row + i] = (data[row + i]! + data[row + i - bpp]!) & 255;
    } else if (filter === 2) {
      if (y > 0) for (let i = 0; i < stride; i++) data[row + i] = (data[row + i]! + data[up + i]!) & 255;
    } else if (filter === 3) {
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? data[row + i - bpp]! : 0;
        const b = y > 0 ? data[up + i]! : 0;
        data[row + i] = (data[row + i]! + ((a + b) >> 1)) & 255;
      }
    } else if (filter === 4) {
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? data[row + i - bpp]! : 0;
        const b = y > 0 ? data[up + i]! : 0;
        const c = y > 0 && i >= bpp ? data[up + i - bpp]! : 0;
        data[row + i] = (data[row + i]! + paeth(a, b, c)) & 255;
      }
    } else {
      throw new DecodeError(`PNG row ${y} has unknown filter type ${filter}`);
    }
  }
}

/**
 * The gray 8-bit case, most image datasets: reverses the filters straight into `out`, where the
 * previous output row is the row above, so there is no second pass.
 */
function unfilterGray(data: Uint8Array, width: number, height: number, out: Uint8Array, offset: number): void {
  for (let y = 0; y < height; y++) {
    const src = y * (width + 1) + 1;
    const dst = offset + y * width;
    const up = dst - width; // only read when y > 0
    let filter = data[src - 1]!;
    // On the first row, Up adds nothing and Paeth reduces to Sub.
    if (y === 0 && filter !== 3) filter = filter === 4 ? 1 : filter === 2 ? 0 : filter;
    if (filter === 0) {
      for (let i = 0; i < width; i++) out[dst + i] = data[src + i]!;
    } else if (filter === 1) {
      let a = 0;
      for (let i = 0; i < width; i++) out[dst + i] = a = (data[src + i]! + a) & 255;
    } else if (filter === 2) {
      for (let i = 0; i < width; i++) out[dst + i] = (data[src + i]! + out[up + i]!) & 255;
    } else if (filter === 3) {
      let a = 0;
      for (let i = 0; i < width; i++) out[dst + i] = a = (data[src + i]! + ((a + (y > 0 ? out[up + i]! : 0)) >> 1)) & 255;
    } else if (filter === 4) {
      let a = 0;
      let c = 0;
      for (let i = 0; i < width; i++) {
        const b = out[up + i]!;
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - c - c);
        out[dst + i] = a = (data[src + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        c = b;
      }
    } else {
      throw new DecodeError(`PNG row ${y} has unknown filter type ${filter}`);
    }
  }
}

/**
 * Unfiltered rows of `bpp` bytes a pixel → the model's pixels: alpha flattened onto black (as
 * sharp's .flatten() does), then luminance for gray output, or the gray value replicated for RGB.
 */
function toPixels(
  data: Uint8Array,
  width: number,
  height: number,
  bpp: number,
  out: Uint8Array,
  offset: number,
  channels: InputChannels,
): void {
  const stride = width * bpp;
  const alpha = bpp === 2 || bpp === 4;
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1;
    for (let x = 0; x < width; x++) {
      const p = row + x * bpp;
      const a = alpha ? data[p + bpp - 1]! : 255;
      const f = (c: number) => (a === 255 ? c : Math.floor((c * a) / 255));
      const r = f(data[p]!);
      const g = bpp < 3 ? r : f(data[p + 1]!);
      const b = bpp < 3 ? r : f(data[p + 2]!);
      const o = offset + (y * width + x) * channels;
      if (channels === 1) out[o] = srgbToGray(r, g, b);
      else {
        out[o] = r;
        out[o + 1] = g;
        out[o + 2] = b;
      }
    }
  }
}

/**
 * Decodes `buf`, whose header is `header` (png-header.ts), into `channels` bytes a pixel (gray or
 * RGB) at `out[offset]`. Returns false, writing nothing, for PNGs outside the subset it handles.
 */
export function decodePngRows(
  buf: Uint8Array,
  header: PngHeader,
  out: Uint8Array,
  offset: number,
  channels: InputChannels,
  zlib: PngInflater,
): boolean {
  const { width, height, bitDepth, colorType, interlace } = header;
  const bpp = CHANNELS[colorType];
  if (bitDepth !== 8 || interlace !== 0 || bpp === undefined) return false;
  const chunks = readChunks(buf, zlib.crc32);
  if (chunks.unsupported) return false;
  if (chunks.idat.length === 0) throw new DecodeError('PNG has no image data (IDAT)');
  const stride = width * bpp;
  const need = height * (stride + 1);
  const grayToGray = bpp === 1 && channels === 1;
  const grayInput = grayToGray ? zlib.gray?.input(width, height) : undefined;
  // One spare byte tells a stream that fills the buffer exactly from one that has more.
  if (!grayInput && inflated.length !== need + 1) inflated = new Uint8Array(need + 1);
  const idat = chunks.idat.length === 1 ? chunks.idat[0]! : concatBytes(chunks.idat);
  let data: Uint8Array = grayInput ?? inflated;
  let size: number;
  try {
    size = zlib.inflateInto(idat, data);
    // More data than the image needs: libpng ignores the rest, and so do we.
    if (size < 0) {
      data = zlib.inflateAll(idat);
      size = data.length;
    }
  } catch (err) {
    throw new DecodeError(`PNG image data is corrupt (${(err as Error).message})`);
  }
  if (size < need) throw new DecodeError(`PNG image data is truncated (${size} of ${need} bytes)`);
  if (grayToGray) {
    if (data === grayInput) zlib.gray!.unfilter(width, height, out, offset);
    else unfilterGray(data, width, height, out, offset);
    return true;
  }
  unfilter(data, height, stride, bpp);
  toPixels(data, width, height, bpp, out, offset, channels);
  return true;
}

let rgb = new Uint8Array(0);
/** RGB pixels of a colour PNG to be checked before they become gray, reused from file to file. */
function rgbScratch(bytes: number): Uint8Array {
  if (rgb.length !== bytes) rgb = new Uint8Array(bytes);
  return rgb;
}

/**
 * A PNG at the model's size through `decode` (which writes `ch` channels at `into[at]`), under
 * the colour rule (colour.ts): a gray file for an RGB model, or colour pixels for a gray model,
 * are refused unless `convertColour`. The header says whether a PNG is gray, so a gray one for a
 * gray model is never looked at twice. Returns false, writing nothing, when `decode` does.
 */
export function decodeUnderColourRule(
  header: PngHeader,
  out: Uint8Array,
  offset: number,
  channels: InputChannels,
  convertColour: boolean,
  decode: (into: Uint8Array, at: number, ch: InputChannels) => boolean,
  howToConvert?: string,
): boolean {
  const gray = isGrayPngType(header.colorType);
  if (!convertColour && gray && channels === 3) throw colourMismatch(3, howToConvert);
  const check = !convertColour && !gray && channels === 1;
  const into = check ? rgbScratch(header.width * header.height * 3) : out;
  const at = check ? 0 : offset;
  if (!decode(into, at, check ? 3 : channels)) return false;
  if (check) grayUnlessColour(into, out, offset, howToConvert);
  return true;
}
