/** `export --quantize`'s values, apart from quantize.ts so that `export --help` loads no protobuf code. */
export const QUANTIZE_MODES = ['int8'] as const;
export type QuantizeMode = (typeof QUANTIZE_MODES)[number];
