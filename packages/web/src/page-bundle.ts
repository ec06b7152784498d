/**
 * Bundles the page's TypeScript (src/page/main.ts) into one ES module in memory when the server
 * starts, so there is no build step. onnxruntime-web stays external: its import becomes the URL
 * of the library's own file, served from node_modules next to the wasm it loads. (Not an import
 * map: that would be an inline script, which the server's Content-Security-Policy forbids.)
 */
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

// From src/ and from the build in dist/ alike.
const ENTRY = fileURLToPath(new URL('../src/page/main.ts', import.meta.url));

/** Where the page imports onnxruntime-web's builds from; the server's /ort/ route serves them. */
export const ORT_MODULE_URLS = {
  /** wasm only: loads ort-wasm-simd-threaded.wasm. */
  'onnxruntime-web/wasm': '/ort/ort.wasm.min.mjs',
  /** WebGPU and wasm: loads ort-wasm-simd-threaded.jsep.wasm. */
  'onnxruntime-web': '/ort/ort.min.mjs',
} as const;

const ortFromServer: Plugin = {
  name: 'onnxruntime-web-from-server',
  setup(b) {
    b.onResolve({ filter: /^onnxruntime-web(\/wasm)?$/ }, (a) => ({
      path: ORT_MODULE_URLS[a.path as keyof typeof ORT_MODULE_URLS],
      external: true,
    }));
  },
};

export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // WebGPU, OffscreenCanvas 2D and module workers: Chrome 113 / Firefox 141 / Safari 26 and later.
    target: ['chrome113', 'firefox128', 'safari17'],
    plugins: [ortFromServer],
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
