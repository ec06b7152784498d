/** The mark on the PNG plots this project writes, apart from scatter-plot.ts so that checking it loads no sharp. */
import { crc32 } from 'node:zlib';

/**
 * A tEXt chunk `Software: aae-map` that marks the plots this project writes, so that a later
 * run may replace them but no other PNG (embed --plot checks it).
 */
const MARK = Buffer.from('tEXtSoftware\0aae-map', 'latin1');
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Signature, then IHDR: length, type, 13 bytes of data, CRC. */
const AFTER_IHDR = 8 + 4 + 4 + 13 + 4;

export function markPng(png: Buffer): Buffer {
  const chunk = Buffer.alloc(4 + MARK.length + 4);
  chunk.writeUInt32BE(MARK.length - 4, 0);
  MARK.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(MARK), 4 + MARK.length);
  return Buffer.concat([png.subarray(0, AFTER_IHDR), chunk, png.subarray(AFTER_IHDR)]);
}

/** Whether a file's first bytes are a PNG that writeScatterPng wrote. */
export function isScatterPng(head: Uint8Array): boolean {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  return b.subarray(0, 8).equals(SIGNATURE) && b.subarray(AFTER_IHDR + 4, AFTER_IHDR + 4 + MARK.length).equals(MARK);
}
