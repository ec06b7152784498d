/**
 * The map in the browser. `startServer` serves a local page (127.0.0.1, cross-origin isolated)
 * that loads an exported model, embeds dropped images with onnxruntime-web (webgpu when the
 * browser has an adapter, else threaded wasm), draws an interactive scatter plot, opens a
 * points.csv from `embed`, and downloads the points in the same format.
 */
export { type RunningServer, type ServeOptions, startServer } from './server.ts';
