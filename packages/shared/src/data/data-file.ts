/**
 * Reads a data file whole, gunzipped when it is gzip. Data sets are published gzipped
 * (`train-images-idx3-ubyte.gz`, `digits.csv.gz`), and a renamed file is still gzip, so the
 * content decides: gzip starts with the bytes 1f 8b, and neither IDX (00 00), .npy (93 'N') nor a
 * CSV of numbers can.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../cli/user-error.ts';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** `bytes`, gunzipped when they are gzip; a damaged or cut-off gzip stream is a UserError naming `file`. */
export function gunzipIfGzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (err) {
    throw new UserError(`${file} is gzip but cannot be unpacked (${(err as Error).message}); the file is damaged or cut short`);
  }
}

export async function readDataFile(file: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return gunzipIfGzip(bytes, file);
}

/** A file's name without the extension that says it is compressed: `x.csv.gz` → `x.csv`. */
export function withoutGz(name: string): string {
  return name.replace(/\.gz$/i, '');
}
