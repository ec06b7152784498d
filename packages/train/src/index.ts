/**
 * Trains a semi-supervised adversarial autoencoder (Makhzani et al. 2015, dimensionality
 * reduction) with TensorFlow.js and writes Contract 1 checkpoints.
 * - `train(options)`: the full training loop (see TrainOptions for settings and defaults).
 * - `loadModel(runDir)`: a checkpoint's encoder as a tfjs forward pass.
 * - `selectBackend(name)`: activates a tfjs backend (auto: tensorflow-gpu → tensorflow → webgpu on a real GPU → wasm → cpu).
 * - Datasets: `loadIdxDataset`, `loadMnistDataset`, `loadFolderDataset` (image folders, decoded
 *   once into a cache), and the `Dataset` interface they produce.
 */

export { conventionalLabelsFile } from '@aae-map/shared';
export { UNLABELLED_FOLDERS } from '@aae-map/shared/decode';
export { BACKENDS, type BackendChoice, type BackendName, ensureBackend, selectBackend } from './backend.ts';
export { classCounts, type Dataset, gatherNormalized, type ImageSplit, type InputRows, inputScaling, limitSplit } from './data/dataset.ts';
export { type FolderDataset, type FolderLoadOptions, type FolderStats, loadFolderDataset } from './data/folder-dataset.ts';
export {
  type DataFiles,
  DEFAULT_IMAGE_SIZE,
  DEFAULT_TEST_SPLIT,
  type ImageFolderFiles,
  type ImageSize,
  parseImageSize,
} from './data/folder-files.ts';
export { validationSplit } from './data/held-out.ts';
export { type IdxDatasetFiles, loadIdxDataset, loadMnistDataset } from './data/idx-dataset.ts';
export { balancedSplit, type LabelledSplit, splitFromLabelled } from './data/labelled-split.ts';
export type { Encodings } from './model/encode-images.ts';
export { type LoadedModel, loadModel } from './model/load-model.ts';
export { circlePoints, fitProjection } from './model/projection.ts';
export type { EpochMetrics } from './run/epoch-metrics.ts';
export { DEFAULTS, type TrainOptions } from './run/options.ts';
export { DATA_CACHE } from './run/run-data.ts';
export { type TrainResult, train } from './run/train.ts';
