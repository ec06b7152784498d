/**
 * How many model replicas a run trains with: one per core where one instance uses one core,
 * each with a large enough share of the batch to pay for its fixed costs.
 */
import { availableParallelism } from 'node:os';
import { UserError } from '@aae-map/shared';

/**
 * Fewest examples of a batch that a replica is given when the count is chosen for the run. A
 * replica's fixed costs per iteration (loading each update of the weights, writing and averaging
 * a full-size gradient) do not shrink with its share, so a smaller share gains little from
 * another core: on one core an iteration cost about 45 ms plus 2.1 ms per example (README, Speed).
 */
export const MIN_REPLICA_SHARE = 25;

/** Most replicas a run may have: one per core (more would only take turns on them, each with its own copy of the model), and 2 examples of the batch each. */
export function maxReplicas(batch: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, Math.floor(batch / 2)));
}

/** A requested replica count must be a whole number from 1 to maxReplicas; a one-line UserError otherwise. */
export function checkReplicas(requested: number | undefined, batch: number, cores = availableParallelism()): void {
  const max = maxReplicas(batch, cores);
  if (!(requested === undefined || (Number.isInteger(requested) && requested >= 1 && requested <= max)))
    throw new UserError(
      `--replicas must be a whole number from 1 to ${max} (at most one per core, ${cores} here, and 2 examples of the batch of ${batch} each), got ${requested}`,
    );
}

/**
 * The replica count: `requested` where it is within maxReplicas (a resumed run keeps its own
 * count, unless this machine has fewer cores); else, where one instance uses one core (wasm,
 * cpu), one per core but at least MIN_REPLICA_SHARE examples each; else 1.
 */
export function replicasFor(requested: number | undefined, backend: string, batch: number, cores = availableParallelism()): number {
  if (requested !== undefined && requested <= maxReplicas(batch, cores)) return requested;
  if (backend !== 'wasm' && backend !== 'cpu') return 1;
  return Math.max(1, Math.min(cores, Math.floor(batch / MIN_REPLICA_SHARE)));
}
