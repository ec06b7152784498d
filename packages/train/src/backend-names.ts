/** The tfjs backends `--backend` takes, apart from backend.ts so that the CLI lists them without loading tfjs. */
export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
