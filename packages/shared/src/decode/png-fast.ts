/**
 * The pngjs path for PNGs at the model's size that the direct decoder
 * (png-direct.ts) leaves alone: palette, tRNS, interlaced, bit depths below 8. sharp would cost
 * about 1 ms of fixed overhead per call on these (docs/design.md, Speed); pngjs decodes them in tens of µs
 * and shared's gray.ts converts them (to gray or RGB) the way sharp would.
 */
import { createRequire } from 'node:module';
import type { PNG as PngClass } from 'pngjs';
import type { InputChannels } from '../contracts/model-metadata.ts';
import { isGrayPngType } from './colour.ts';
import { rgbaToChannels } from './gray.ts';
import type { PngHeader } from './png-header.ts';

/** pngjs is loaded on first use: its modules add ~8 ms to a decode worker's start, and most PNGs never need it. */
let pngjs: typeof PngClass | undefined;
const loadPngjs = (): typeof PngClass => (pngjs ??= (createRequire(import.meta.url)('pngjs') as { PNG: typeof PngClass }).PNG);

/** Decodes a PNG of exactly width x height into gray or RGB bytes at `out[offset]`. Throws on corrupt data. */
export function decodePngWithPngjs(buf: Uint8Array, header: PngHeader, out: Uint8Array, offset: number, channels: InputChannels = 1): void {
  const png = loadPngjs().sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  rgbaToChannels(png.data, header.width * header.height, out, offset, channels, !isGrayPngType(header.colorType));
}
