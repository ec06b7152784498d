/**
 * Embeds image folders with an exported aae-map ONNX model (onnxruntime-node): a streaming,
 * sorted directory walk, decoding in worker threads (a direct decoder or pngjs for PNGs at the
 * model's size, sharp otherwise), batched inference overlapping the decoding (in chunks of
 * CPU_CHUNK images on the cpu provider), and a resumable points.csv.
 */
export * from './runtime.ts';
export { type EmbedOptions, type EmbedSummary, DEFAULT_BATCH, embedFolder } from './embed.ts';
export { countFiles } from './walk-batches.ts';
export { defaultThreads } from './thread-split.ts';
export { scanCsv } from './csv-file.ts';
export { readPoints } from './points-csv.ts';
export { ERROR_COLUMNS, errorsPathFor } from './outputs.ts';
export { walkImages, type WalkEntry } from '@aae-map/shared';
export { decodeImage, decodeWithSharp } from '@aae-map/shared/decode';
export { writeSampleImages } from './sample-images.ts';
