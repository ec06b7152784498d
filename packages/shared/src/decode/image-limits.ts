/**
 * How large an image embed (and train) will decode. Files larger than the 64 KB read buffer are
 * checked from their first 64 KB before the rest is read (decode-batch.ts), so that one huge file
 * costs no more memory than these limits allow.
 */

/**
 * The most pixels an image may have unless told otherwise (embed's --max-pixels): more than any
 * camera gives, and little enough that sharp's decode of it fits in memory.
 */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/**
 * The largest file read for an image of at most `maxPixels` pixels: 4 bytes a pixel, an
 * uncompressed 8-bit RGBA image's size (compressed ones are smaller).
 */
export const maxFileBytes = (maxPixels: number): number => 4 * maxPixels;
