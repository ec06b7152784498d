/**
 * The decode stage of embed: walk → batches → decode workers (decode-pool.ts), handed to
 * `consume` in walk order. A few batches decode ahead, so the workers keep going while
 * `consume` (the model, on the main thread) works on the current one.
 */
import type { DecodeResult } from '@aae-map/shared/decode';
import type { DecodePool } from './decode-pool.ts';
import type { StageOptions } from './stage-protocol.ts';
import type { Batch } from './walk-batches.ts';

export type { Batch, StageOptions };

/** `decodingDone` tells `consume` that the workers are idle from this batch on (see Decoded). */
export async function decodeInOrder(
  o: StageOptions,
  pool: DecodePool,
  consume: (batch: Batch, decoded: DecodeResult, decodingDone: boolean) => Promise<void> | void,
  onTotal?: (files: number) => void,
): Promise<void> {
  for await (const { batch, result, decodingDone } of pool.stream(o, onTotal)) await consume(batch, result, decodingDone);
}
