/**
 * PNG header reading (browser-safe): size, bit depth, colour type, interlace, and whether an ICC
 * profile comes before the image data; and when the direct decoders (png-core.ts) apply.
 */
import { ICCP, IDAT, IEND, IHDR } from './png-chunk-types.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

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
