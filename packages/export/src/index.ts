/**
 * Turns a training checkpoint (Contract 1: manifest.json + weights.bin) into one ONNX graph
 * (Contract 2): uint8 `image` [N, H, W] → `point` [N, 2], `cluster_prob` [N, n], `style` [N, d],
 * `representation` [N, d], with the input size, class names and heads in `metadata_props`.
 * Reads the checkpoint itself; does not load tfjs.
 */

export { type ExportSummary, exportModel } from './export-model.ts';
export { type BuildOptions, buildModel, IR_VERSION, OPSET } from './graph-builder.ts';
export { latestRun } from './latest-run.ts';
export { QUANTIZE_MODES, type QuantizeMode } from './quantize-modes.ts';
