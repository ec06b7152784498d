/** The messages between DecodePool (decode-pool.ts, main thread) and its workers (decode-worker.ts). */
import type { MessagePort } from 'node:worker_threads';
import type { InputChannels } from '@aae-map/shared';
import type { DecodeResult, ShardSpec } from '@aae-map/shared/decode';
import type { Batch } from './walk-batches.ts';

export interface StageOptions {
  /** The folder walked, or the one that `only`'s and `list`'s relative paths are relative to. */
  input: string;
  /** Resume point: files at or before it are skipped. */
  after: string | undefined;
  /** Read only this tar file of `input` (--input naming a .tar), not the whole folder. */
  only?: string | undefined;
  /** Read the paths of this list file, one a line ('-': standard input), instead of walking `input`. */
  list?: string | undefined;
  /** With `list`: its entries that the run being resumed handled (sources.ts), passed over. */
  skip?: number | undefined;
  batch: number;
  width: number;
  height: number;
  /** The model's: gray or RGB pixels (shared's DecodeJob.channels). @default 1 */
  channels?: InputChannels;
  /** shared's DecodeJob.convertColour. @default false */
  convertColour?: boolean;
  /** Larger images are refused (shared's DecodeJob.maxPixels). */
  maxPixels?: number;
  /** Only this share of the files (shared's shard.ts); all when undefined. */
  shard?: ShardSpec | undefined;
}

export type ToWorker =
  /** To the first worker: walk, decode every `ports.length + 1`-th batch and send it the others. */
  | { kind: 'walk'; stage: StageOptions; grant: number; ports: MessagePort[]; countAfterMs: number }
  /** To the first worker: it may now walk the batches numbered below `upTo`. */
  | { kind: 'grant'; upTo: number }
  /** To the other workers: the port on which the first one sends them batches. */
  | { kind: 'peer'; port: MessagePort };

/** From the first worker to another, on their port. */
export interface ToPeer {
  seq: number;
  batch: Batch;
  stage: StageOptions;
}

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'batch'; seq: number; batch: Batch; result: DecodeResult }
  /** The walk is over: this many batches in all. */
  | { kind: 'walked'; batches: number }
  /** The files the walk hands out (images and entries it reports as errors), counted beside it for the progress bar. */
  | { kind: 'total'; files: number }
  | { kind: 'error'; error: string }
  /** Bad input found by a worker (a list that is not the resumed run's): a UserError's message. */
  | { kind: 'refused'; message: string };
