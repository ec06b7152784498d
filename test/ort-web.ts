/** onnxruntime-web (wasm) in Node, for the tests that run an exported file in the page's runtime. */

/** The part of onnxruntime-web's API the tests use (its types do not resolve from test/). */
export interface OrtWeb {
  env: { wasm: { numThreads: number } };
  Tensor: new (type: 'uint8', data: Uint8Array, dims: number[]) => unknown;
  InferenceSession: {
    create(
      bytes: Uint8Array,
      opts: { executionProviders: string[] },
    ): Promise<{
      inputNames: readonly string[];
      outputNames: readonly string[];
      inputMetadata: ReadonlyArray<{ name: string; type?: string; shape?: ReadonlyArray<number | string> }>;
      outputMetadata: ReadonlyArray<{ name: string; type?: string; shape?: ReadonlyArray<number | string> }>;
      run(feeds: Record<string, unknown>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>>;
      release(): Promise<void>;
    }>;
  };
}

/** onnxruntime-web, the root's dev dependency for this test (the page's own copy belongs to @aae-map/web). */
export async function loadOrtWeb(): Promise<OrtWeb> {
  const ort = (await import('onnxruntime-web')) as unknown as OrtWeb & { default?: OrtWeb };
  return ort.default ?? ort;
}
