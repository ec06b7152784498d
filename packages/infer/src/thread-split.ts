/** embed's default and largest batch and thread counts; kept apart from embed.ts so the CLI can show them without loading onnxruntime. */
import { availableParallelism } from 'node:os';

export const DEFAULT_BATCH = 1024;
export const MAX_BATCH = 65536;

/**
 * How the cores are split between decode workers and onnxruntime threads: about 40/60, since a
 * decode worker spends about 0.65x the model's CPU time on each 28x28 PNG (16 vs 25 µs,
 * bench:embed). On 2 and 4 cores that is one half each; one of each on 2 cores also keeps
 * onnxruntime from spinning on the core the decoder needs.
 */
export function defaultThreads(cores = availableParallelism()): { workers: number; threads: number } {
  const workers = Math.max(1, Math.round(0.4 * cores));
  return { workers, threads: Math.max(1, cores - workers) };
}

/**
 * --threads and --workers each stop at 4 threads a core: more only contend for the cores, and
 * a huge count made onnxruntime throw std::bad_alloc.
 */
export const maxThreads = (cores = availableParallelism()) => 4 * cores;
