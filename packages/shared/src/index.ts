/**
 * Code shared by train, export and infer (`@aae-map/shared`): the file contracts (checkpoints,
 * the model's metadata, points.csv), the data readers (IDX, gzip, .npy, CSV features and labels), the image-folder walk, atomic
 * writes, the progress bar and the CLI error convention. It loads no image codec: decoding is
 * `@aae-map/shared/decode`, the scatter plot (sharp) `@aae-map/shared/plot`, and what a CLI
 * needs before it knows what to run `@aae-map/shared/cli`.
 */
export * from './atomic-write.ts';
export * from './browser.ts';
export * from './cli/progress.ts';
export * from './cli/run-cli.ts';
export * from './cli/system-error.ts';
export * from './contracts/checkpoint-format.ts';
export * from './contracts/checkpoint-io.ts';
export * from './data/data-file.ts';
export * from './data/feature-file.ts';
export * from './data/feature-parse.ts';
export * from './data/idx-folder.ts';
export * from './data/idx-reader.ts';
export * from './data/labels-file.ts';
export * from './data/mnist.ts';
export * from './data/npy.ts';
export * from './data/row-norms.ts';
export * from './decode/image-limits.ts';
export * from './decode/image-walk.ts';
export { isScatterPng } from './plot/png-mark.ts';
export * from './vulkan.ts';
