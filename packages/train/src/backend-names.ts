/** The tfjs backends `--backend` takes, apart from backend.ts so that the CLI lists them without loading tfjs. */
export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What `--gemm` takes: which kernels run the dense layers' products on wasm (kernels/wasm-matmul.ts). */
export const GEMMS = ['auto', 'openblas', 'onnxruntime', 'wasm'] as const;
export type GemmName = (typeof GEMMS)[number];
