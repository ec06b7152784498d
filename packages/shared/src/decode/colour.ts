/**
 * When an image's colour differs from the model's, one rule for every tool (embed, evaluate, the
 * page; train decides the model's channels from the same pixel test): a file is a mismatch for a
 * gray model when its pixels are in colour, and for an RGB model when the file itself is gray (a
 * gray PNG, a one-component JPEG, a 1–2 channel file for sharp). A mismatch is refused unless the
 * user asked to convert (--convert-colour, or the page's "convert colours").
 * Browser-safe: the page uses it on canvas pixels and file headers.
 */
import type { InputChannels } from '../contracts/model-metadata.ts';
import { DecodeError } from './decode-error.ts';
import { srgbToGray } from './gray.ts';

/**
 * A pixel is coloured when two of its channels differ by more than this many levels. JPEG's
 * chroma noise in a gray image saved as colour stays within a few levels.
 */
const CHANNEL_SPREAD = 16;
/** An image is in colour when at least this share of its pixels is coloured. */
const COLOURED_SHARE = 0.01;

/** Whether packed pixels of `stride` bytes (R, G, B first) show colour (see CHANNEL_SPREAD and COLOURED_SHARE). */
export function isColourImage(pixels: Uint8Array, stride = 3): boolean {
  let coloured = 0;
  for (let p = 0; p < pixels.length; p += stride) {
    const r = pixels[p]!;
    const g = pixels[p + 1]!;
    const b = pixels[p + 2]!;
    if (Math.max(r, g, b) - Math.min(r, g, b) > CHANNEL_SPREAD) coloured++;
  }
  return coloured > 0 && coloured >= (COLOURED_SHARE * pixels.length) / stride;
}

/** The command-line flag that asks embed and evaluate to convert instead of refusing. */
export const CONVERT_COLOUR_FLAG = '--convert-colour';

/** A file whose colour differs from the model's, refused because converting was not asked for. */
export class ColourMismatchError extends DecodeError {}

/** Why a file is refused for a model of `channels`; `howToConvert` names the user's way to convert instead. */
export function colourMismatch(channels: InputChannels, howToConvert = `pass ${CONVERT_COLOUR_FLAG}`): ColourMismatchError {
  const what = channels === 1 ? 'in colour, but the model takes gray images' : 'gray, but the model takes RGB (colour) images';
  return new ColourMismatchError(`${what}; ${howToConvert} to convert it`);
}

const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** A JPEG's component count from its frame header, or undefined when `head` does not reach it. */
function jpegComponents(head: Uint8Array): number | undefined {
  for (let at = 2; at + 9 < head.length; ) {
    if (head[at] !== 0xff) return undefined;
    const marker = head[at + 1]!;
    if (JPEG_SOF.has(marker)) return head[at + 9];
    at += 2 + ((head[at + 2]! << 8) | head[at + 3]!);
  }
  return undefined;
}

/** Whether a PNG colour type (IHDR) stores gray pixels: gray, or gray with alpha. */
export const isGrayPngType = (colorType: number) => colorType === 0 || colorType === 4;

/**
 * Whether the file stores gray pixels, from its first bytes: a PNG of colour type 0 or 4, or a
 * JPEG of one component. undefined for other formats, or when `head` is too short to say.
 */
export function isGrayFile(head: Uint8Array): boolean | undefined {
  if (head.length >= 26 && head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return isGrayPngType(head[25]!);
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) {
    const n = jpegComponents(head);
    return n === undefined ? undefined : n === 1;
  }
  return undefined;
}

/**
 * A colour-typed file's RGB pixels for a gray model: refused when in colour, else written to
 * `out` at `offset` as gray, as the conversion would (gray.ts's srgbToGray of each pixel).
 */
export function grayUnlessColour(rgb: Uint8Array, out: Uint8Array, offset: number, howToConvert?: string): void {
  if (isColourImage(rgb)) throw colourMismatch(1, howToConvert);
  for (let i = 0, p = 0; p < rgb.length; i++, p += 3) out[offset + i] = srgbToGray(rgb[p]!, rgb[p + 1]!, rgb[p + 2]!);
}
