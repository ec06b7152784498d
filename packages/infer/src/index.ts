/**
 * Embeds image folders with an exported aae-map ONNX model (onnxruntime-node): a streaming,
 * sorted directory walk, decoding in worker threads (a direct decoder or pngjs for PNGs at the
 * model's size, sharp otherwise), batched inference overlapping the decoding (in chunks of
 * CPU_CHUNK images on the cpu provider), and a resumable points.csv.
 */

export { type WalkEntry, walkImages } from '@aae-map/shared';
export { decodeImage, decodeWithSharp } from '@aae-map/shared/decode';
export { scanCsv } from './csv-file.ts';
export { DEFAULT_BATCH, type EmbedOptions, type EmbedSummary, embedFolder } from './embed.ts';
export { type EmbedVectorsOptions, embedVectors } from './embed-vectors.ts';
export { ERROR_COLUMNS, errorsPathFor } from './outputs.ts';
export { readPoints } from './points-csv.ts';
export * from './runtime.ts';
export { writeSampleImages } from './sample-images.ts';
export { defaultThreads } from './thread-split.ts';
export { countFiles } from './walk-batches.ts';
