/**
 * The part of @aae-map/shared that runs in a browser (no node: modules, no sharp): the model
 * metadata contract, the points.csv format and CSV, feature vectors from .npy or CSV bytes, gray
 * conversion, image paths and colours.
 * The page in packages/web bundles this entry.
 */

export * from './cli/user-error.ts';
export * from './contracts/csv.ts';
export * from './contracts/model-contract.ts';
export * from './contracts/model-metadata.ts';
export * from './contracts/onnx-read.ts';
export * from './contracts/path-encoding.ts';
export * from './contracts/points-format.ts';
export * from './contracts/shard.ts';
export * from './contracts/tar-index.ts';
export * from './data/feature-parse.ts';
export * from './data/npy.ts';
export * from './decode/colour.ts';
export { DecodeError } from './decode/decode-error.ts';
export * from './decode/gray.ts';
export * from './decode/image-paths.ts';
export { decodePngRows, decodeUnderColourRule, type PngInflater } from './decode/png-core.ts';
export { fastPathApplies, type PngHeader, readPngHeader } from './decode/png-header.ts';
export * from './plot/category-color.ts';
