import { Worker } from 'node:worker_threads';

/** A worker thread running a .ts module: workers do not inherit tsx's loader, so it registers it before importing the entry. */
export function startTsWorker(entry: URL, workerData: unknown): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
