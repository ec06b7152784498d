/** `@aae-map/shared/onnx`: a model file's metadata and declared signature, read from its protobuf (Node and the page). */
export * from './contracts/onnx-read.ts';
