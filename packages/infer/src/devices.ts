/** Where onnxruntime may run a model; auto = cuda if it loads, else cpu. Apart from runtime.ts so that CLIs list them without loading onnxruntime. */
export const DEVICES = ['auto', 'cpu', 'cuda', 'webgpu'] as const;
export type Device = (typeof DEVICES)[number];
