import { Worker } from 'node:worker_threads';

/** A worker thread running a .ts module: workers do not inherit tsx's loader, so it registers it before importing the entry. */
export function startTsWorker(entry: URL, workerData: unknown): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * A worker on one of the package's modules: its own entry of the build (dist/<built>.js, see
 * scripts/build.mjs) when this code runs from the build, else the TypeScript `source` through tsx.
 */
export function startModuleWorker(source: URL, built: string, workerData: unknown): Worker {
  // The build bundles this file into dist/ beside the entries, so its own URL says which applies.
  if (import.meta.url.endsWith('.js')) return new Worker(new URL(`./${built}.js`, import.meta.url), { workerData });
  return startTsWorker(source, workerData);
}
