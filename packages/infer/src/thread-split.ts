/** Default thread counts; kept apart from embed.ts so the CLI can show them without loading onnxruntime. */
import { availableParallelism } from 'node:os';

/**
 * How the cores are split between decode workers and onnxruntime threads: about 60/40, since
 * decoding a 28x28 PNG costs about 1.5x its forward pass (bench:embed). On 2 cores that is one
 * of each, which keeps onnxruntime from spinning on the core the decoder needs.
 */
export function defaultThreads(cores = availableParallelism()): { workers: number; threads: number } {
  const workers = Math.max(1, Math.round(0.6 * cores));
  return { workers, threads: Math.max(1, cores - workers) };
}
