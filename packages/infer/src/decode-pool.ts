/**
 * Decode worker threads: the first one walks the input folder and hands batches round (see
 * decode-worker.ts); all of them decode, and this class hands the decoded batches to the main
 * thread in walk order.
 *
 * A worker needs some time to start: about 22 ms from the bundle, 0.1-0.2 s through tsx (when
 * the bundle cannot be built).
 */
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { UserError } from '@aae-map/shared';
import type { DecodeResult } from '@aae-map/shared/decode';
import type { FromWorker, StageOptions, ToWorker } from './stage-protocol.ts';
import type { Batch } from './walk-batches.ts';
import { workerBundle } from './worker-bundle.ts';

export interface Decoded {
  batch: Batch;
  result: DecodeResult;
  /** Every batch of the walk is decoded: the workers are idle from here on, and their cores free. */
  decodingDone: boolean;
}

/** A batch as it arrives, before the pool knows whether decoding is done. */
type Arrived = Omit<Decoded, 'decodingDone'>;

/**
 * How far ahead of the batch in use the workers may decode: at least 2·workers + 1 batches, and
 * up to this many bytes of pixels. A long way ahead lets the decoders finish while the model
 * still has a good part of the folder to run, which it then runs on their cores too (embed's
 * wide model): 20,000 28x28 files took 508 ms instead of 588 (medians of 24) with 64 MiB
 * (83 batches of 1024), against 3 batches ahead. Decoding that is the slower stage never gets
 * that far ahead, and memory stays bounded whatever the folder's size.
 */
export const AHEAD_BYTES = 64 * 1024 * 1024;

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
  const entry = fileURLToPath(new URL('../src/decode-worker.ts', import.meta.url));
  return new Worker(`require(${JSON.stringify(api)}).register(); require(${JSON.stringify(entry)});`, { eval: true });
}

/** Batches the workers may decode ahead: see AHEAD_BYTES. */
export function aheadFor(o: StageOptions, workers: number): number {
  return Math.max(2 * workers + 1, Math.floor(AHEAD_BYTES / (o.batch * o.width * o.height * (o.channels ?? 1))));
}

export class DecodePool {
  private readonly workers: Worker[];
  /** The first worker's ends of its channels to the others. */
  private readonly ports: MessagePort[] = [];
  private readonly arrived = new Map<number, Arrived>();
  /** Batches in the whole walk, once it is over. */
  private walked: number | undefined;
  private onTotal: ((files: number) => void) | undefined;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private streaming = false;
  private ready = 0;

  /** Whether the workers run the plain-JS bundle ('bundle') or the TypeScript through tsx. */
  readonly code: 'bundle' | 'tsx';

  private readonly countAfterMs: number;

  /**
   * `bundle: false` starts the workers through tsx, as when the bundle cannot be built.
   * `countAfterMs` (default 1000) is when the first worker starts counting the files (see decode-worker.ts).
   */
  constructor(size: number, opts: { bundle?: boolean; countAfterMs?: number } = {}) {
    this.countAfterMs = opts.countAfterMs ?? 1000;
    const bundle = opts.bundle === false ? undefined : workerBundle();
    this.code = bundle ? 'bundle' : 'tsx';
    this.workers = Array.from({ length: Math.max(1, size) }, () => startWorker(bundle));
    for (const w of this.workers) {
      w.on('message', (m: FromWorker) => this.receive(m));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`decode worker exited with code ${code}`));
      });
    }
    for (const w of this.workers.slice(1)) {
      const { port1, port2 } = new MessageChannel();
      this.ports.push(port1);
      w.postMessage({ kind: 'peer', port: port2 } satisfies ToWorker, [port2]);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Whether a worker is ready. */
  get started(): boolean {
    return this.ready > 0;
  }

  /**
   * The decoded batches of a walk of `o.input`, in walk order, at most `ahead` batches ahead of
   * the one being used (see AHEAD_BYTES). `onTotal` gets the files the batches hand out
   * (walk-batches.ts' `handled`), when they are counted. A pool walks one folder.
   */
  async *stream(o: StageOptions, onTotal?: (files: number) => void, ahead = aheadFor(o, this.size)): AsyncGenerator<Decoded> {
    if (this.streaming) throw new Error('a DecodePool walks one folder; make another');
    this.streaming = true;
    this.onTotal = onTotal;
    this.send({ kind: 'walk', stage: o, grant: ahead + 1, ports: this.ports, countAfterMs: this.countAfterMs }, this.ports);
    this.ports.length = 0; // they belong to the first worker now
    for (let seq = 0; ; seq++) {
      const next = await this.arrival(seq);
      if (!next) return;
      this.send({ kind: 'grant', upTo: seq + ahead + 1 });
      // Batches arrive once each, so with the walk over, all of the rest are here when they number walked - seq - 1.
      const decodingDone = this.walked !== undefined && this.arrived.size === this.walked - seq - 1;
      yield { ...next, decodingDone };
    }
  }

  private send(m: ToWorker, transfer: MessagePort[] = []): void {
    this.workers[0]!.postMessage(m, transfer);
  }

  /** Batch `seq` once decoded, or undefined when the walk ended before it. */
  private async arrival(seq: number): Promise<Arrived | undefined> {
    for (;;) {
      if (this.failure) throw this.failure;
      const next = this.arrived.get(seq);
      if (next) {
        this.arrived.delete(seq);
        return next;
      }
      if (this.walked !== undefined && seq >= this.walked) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private receive(m: FromWorker): void {
    if (m.kind === 'ready') this.ready++;
    else if (m.kind === 'batch') this.arrived.set(m.seq, { batch: m.batch, result: m.result });
    else if (m.kind === 'walked') this.walked = m.batches;
    else if (m.kind === 'total') this.onTotal?.(m.files);
    else if (m.kind === 'refused') this.fail(new UserError(m.message));
    else this.fail(new Error(`decode worker failed: ${m.error}`));
    this.wake?.();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake?.();
  }

  async close(): Promise<void> {
    // Terminating ends workers with code 1; that is not a failure.
    for (const w of this.workers) w.removeAllListeners('exit');
    for (const p of this.ports) p.close();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
