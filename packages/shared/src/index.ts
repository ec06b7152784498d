/**
 * Code shared by train, export and infer: the checkpoint contract, the IDX/MNIST readers,
 * the image-folder walk, atomic writes, the scatter plot, the progress bar and the CLI error
 * convention. Image decoding is the separate `@aae-map/shared/decode` entry.
 */
export * from './atomic-write.ts';
export * from './checkpoint-format.ts';
export * from './checkpoint-io.ts';
export * from './idx-reader.ts';
export * from './image-limits.ts';
export * from './image-walk.ts';
export * from './mnist.ts';
export * from './progress.ts';
export * from './run-cli.ts';
export * from './scatter-plot.ts';
export * from './user-error.ts';
export * from './system-error.ts';
export * from './vulkan.ts';
export * from './model-metadata.ts';
export * from './browser.ts';
