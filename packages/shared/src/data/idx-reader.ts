import { UserError } from '../cli/user-error.ts';
import { readDataFile } from './data-file.ts';

/** Images from an IDX3 file: `count` images of `height` x `width` uint8 pixels, row-major. */
export interface IdxImages {
  count: number;
  height: number;
  width: number;
  pixels: Uint8Array;
}

const UBYTE = 0x08;

/** Parses an IDX file header and returns its dims and data (uint8 only, as MNIST uses). Gzip is unpacked by readDataFile first. */
export function parseIdx(buf: Uint8Array, file: string): { dims: number[]; data: Uint8Array } {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new UserError(`${file} is not an IDX file (bad magic number)`);
  if (buf[2] !== UBYTE) throw new UserError(`${file}: IDX data type 0x${buf[2]!.toString(16)} is not supported (only unsigned byte)`);
  const ndim = buf[3]!;
  if (buf.length < 4 + 4 * ndim) throw new UserError(`${file} is truncated (header)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const start = 4 + 4 * ndim;
  const n = dims.reduce((p, d) => p * d, 1);
  if (buf.length < start + n)
    throw new UserError(`${file} is truncated: header promises ${n} bytes of data, file has ${buf.length - start}`);
  return { dims, data: buf.subarray(start, start + n) };
}

export async function readIdxImages(file: string): Promise<IdxImages> {
  const { dims, data } = parseIdx(await readDataFile(file), file);
  if (dims.length !== 3) throw new UserError(`${file} is not an image file: IDX has ${dims.length} dimensions, expected 3`);
  return { count: dims[0]!, height: dims[1]!, width: dims[2]!, pixels: data };
}

export async function readIdxLabels(file: string): Promise<Uint8Array> {
  const { dims, data } = parseIdx(await readDataFile(file), file);
  if (dims.length !== 1) throw new UserError(`${file} is not a label file: IDX has ${dims.length} dimensions, expected 1`);
  return data;
}

/** A labelled image set, as read from an IDX image/label pair. */
export interface LabelledImages extends IdxImages {
  labels: Uint8Array;
}

export async function readIdxPair(imagesFile: string, labelsFile: string): Promise<LabelledImages> {
  const [images, labels] = await Promise.all([readIdxImages(imagesFile), readIdxLabels(labelsFile)]);
  if (labels.length !== images.count) {
    throw new UserError(`${labelsFile} has ${labels.length} labels but ${imagesFile} has ${images.count} images`);
  }
  return { ...images, labels };
}
