/**
 * PNG header reading, and the pngjs path for PNGs at the model's size that the direct decoder
 * (png-direct.ts) leaves alone: palette, tRNS, interlaced, bit depths below 8. sharp would cost
 * about 1 ms of fixed overhead per call on these (docs/design.md, Speed); pngjs decodes them in tens of µs
 * and shared's gray.ts converts them (to gray or RGB) the way sharp would.
 */
import { createRequire } from 'node:module';
import type { PNG as PngClass } from 'pngjs';
import type { InputChannels } from '../contracts/model-metadata.ts';
import { rgbaToChannels } from './gray.ts';
import { ICCP, IDAT, IEND, IHDR } from './png-chunk-types.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const COLOR_TYPE_GRAY = 0;
const COLOR_TYPE_GRAY_ALPHA = 4;

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** 0 = none, 1 = Adam7 */
  interlace: number;
  /** The file embeds an ICC profile, which sharp would apply. */
  hasIcc: boolean;
}

export function isPng(buf: Uint8Array): boolean {
  return buf.length >= 8 && SIGNATURE.every((b, i) => buf[i] === b);
}

/** Reads IHDR and looks for iCCP before the image data; null if the header is unreadable. */
export function readPngHeader(buf: Uint8Array): PngHeader | null {
  if (!isPng(buf) || buf.length < 33) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(12) !== IHDR) return null;
  const header: PngHeader = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: buf[24]!,
    colorType: buf[25]!,
    interlace: buf[28]!,
    hasIcc: false,
  };
  for (let at = 8; at + 8 <= buf.length; ) {
    const type = view.getUint32(at + 4);
    if (type === IDAT || type === IEND) break;
    if (type === ICCP) header.hasIcc = true;
    at += 12 + view.getUint32(at);
  }
  return header;
}

/** True when the JS paths give sharp's pixels for this file at this size (see packages/infer/test/decode.test.ts). */
export function fastPathApplies(h: PngHeader | null, width: number, height: number): h is PngHeader {
  return h !== null && h.width === width && h.height === height && h.bitDepth <= 8 && !h.hasIcc;
}

/** pngjs is loaded on first use: its modules add ~8 ms to a decode worker's start, and most PNGs never need it. */
let pngjs: typeof PngClass | undefined;
const loadPngjs = (): typeof PngClass => (pngjs ??= (createRequire(import.meta.url)('pngjs') as { PNG: typeof PngClass }).PNG);

/** Decodes a PNG of exactly width x height into gray or RGB bytes at `out[offset]`. Throws on corrupt data. */
export function decodePngWithPngjs(buf: Uint8Array, header: PngHeader, out: Uint8Array, offset: number, channels: InputChannels = 1): void {
  const png = loadPngjs().sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  const gray = header.colorType === COLOR_TYPE_GRAY || header.colorType === COLOR_TYPE_GRAY_ALPHA;
  rgbaToChannels(png.data, header.width * header.height, out, offset, channels, !gray);
}
