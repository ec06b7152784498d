/** Embeds images with an exported aae-map ONNX model (onnxruntime-node). */
export * from './runtime.ts';
