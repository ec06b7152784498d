/**
 * Bundles the page's TypeScript (src/page/main.ts) into one ES module in memory when the server
 * starts, so there is no build step. onnxruntime-web stays external: the page's import map points
 * it at the library's own files, served from node_modules, next to the wasm they load.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ENTRY = fileURLToPath(new URL('./page/main.ts', import.meta.url));

export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // WebGPU, OffscreenCanvas 2D and module workers: Chrome 113 / Firefox 141 / Safari 26 and later.
    target: ['chrome113', 'firefox128', 'safari17'],
    external: ['onnxruntime-web'],
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
