/**
 * Decode worker threads. Each batch goes to the worker with the fewest batches queued, so with
 * a few batches in flight every core decodes while the main thread runs the model.
 *
 * A worker needs some time to start: about 25 ms from the bundle, when batches wait for it, and
 * 0.1-0.2 s through tsx, when the calling thread decodes batches one at a time until then.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DecodeJob, DecodeResult } from '@aae-map/shared/decode';
import { workerBundle } from './worker-bundle.ts';

type WorkerMessage = { ready: true } | { id: number; result?: DecodeResult; error?: string };

interface Pending {
  resolve: (r: DecodeResult) => void;
  reject: (e: Error) => void;
}

/**
 * Starts a worker from the plain-JS bundle (worker-bundle.ts), without the parent's execArgv:
 * under tsx that holds tsx's loader, which would start again in the worker for nothing.
 *
 * Without a bundle, the worker registers tsx itself before loading the .ts entry. tsx's require
 * hook starts in about 2/3 of the time of its ESM loader (which runs on a thread of its own).
 */
function startWorker(bundle: string | undefined): Worker {
  if (bundle) return new Worker(bundle, { execArgv: [] });
  const api = fileURLToPath(import.meta.resolve('tsx/cjs/api'));
  const entry = fileURLToPath(new URL('./decode-worker.ts', import.meta.url));
  return new Worker(`require(${JSON.stringify(api)}).register(); require(${JSON.stringify(entry)});`, { eval: true });
}

export class DecodePool {
  private readonly workers: Worker[];
  private readonly load = new Map<Worker, number>();
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: (Pending & { job: DecodeJob })[] = [];
  private decodingHere = false;
  private nextId = 0;
  private failure: Error | undefined;
  private ready = 0;
  /** The decoder for this thread, loaded only if it decodes (tsx workers, before one is ready). */
  private local: Promise<typeof import('@aae-map/shared/decode')> | undefined;

  /** Whether the workers run the plain-JS bundle ('bundle') or the TypeScript through tsx. */
  readonly code: 'bundle' | 'tsx';

  /** `bundle: false` starts the workers through tsx, as when the bundle cannot be built. */
  constructor(size: number, opts: { bundle?: boolean } = {}) {
    const bundle = opts.bundle === false ? undefined : workerBundle();
    this.code = bundle ? 'bundle' : 'tsx';
    this.workers = Array.from({ length: Math.max(1, size) }, () => startWorker(bundle));
    for (const w of this.workers) {
      this.load.set(w, 0);
      w.on('message', (m: WorkerMessage) => ('ready' in m ? this.onReady() : this.settle(w, m)));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`decode worker exited with code ${code}`));
      });
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Whether a worker is ready. */
  get started(): boolean {
    return this.ready > 0;
  }

  decode(job: DecodeJob): Promise<DecodeResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ready > 0) return this.send(job);
    return new Promise((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      this.decodeHere();
    });
  }

  /**
   * Until a worker is ready, the calling thread decodes waiting jobs, one at a time, when the
   * workers start through tsx (0.1-0.2 s). A worker from the bundle is ready within a batch's
   * decoding time, so then jobs just wait for it: the calling thread (which runs the model in
   * embed) is free sooner. Between jobs it yields to the event loop, where a worker's 'ready'
   * message waits behind promise callbacks.
   */
  private decodeHere(): void {
    if (this.code === 'bundle' || this.decodingHere || this.ready > 0) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.decodingHere = true;
    (this.local ??= import('@aae-map/shared/decode'))
      .then((m) => m.decodeBatch(next.job))
      .then(next.resolve, next.reject)
      .finally(() =>
        setImmediate(() => {
          this.decodingHere = false;
          this.decodeHere();
        }),
      );
  }

  private onReady(): void {
    this.ready++;
    for (const w of this.waiting.splice(0)) this.send(w.job).then(w.resolve, w.reject);
  }

  private send(job: DecodeJob): Promise<DecodeResult> {
    const worker = this.workers.reduce((a, b) => (this.load.get(b)! < this.load.get(a)! ? b : a));
    const id = this.nextId++;
    this.load.set(worker, this.load.get(worker)! + 1);
    const done = new Promise<DecodeResult>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    worker.postMessage({ id, job });
    return done;
  }

  private settle(worker: Worker, m: Exclude<WorkerMessage, { ready: true }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.load.set(worker, this.load.get(worker)! - 1);
    if (m.result) p.resolve(m.result);
    else p.reject(new Error(`decode worker failed: ${m.error}`));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of [...this.pending.values(), ...this.waiting.splice(0)]) p.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    // Terminating ends workers with code 1; that is not a failure.
    for (const w of this.workers) w.removeAllListeners('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
