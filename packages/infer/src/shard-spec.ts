/**
 * `embed --shard auto`: which share this process embeds, from the variables the batch system
 * sets for each task: a Slurm job array (SLURM_ARRAY_TASK_ID, _MIN, _STEP and _COUNT), or a
 * Kubernetes Indexed Job (JOB_COMPLETION_INDEX; the Job's completions are not in the pod's
 * environment, so --shards N gives them).
 */
import { MAX_SHARDS, type ShardSpec, shardName, UserError } from '@aae-map/shared';

export interface ResolvedShard {
  shard: ShardSpec | undefined;
  /** The line embed prints on stderr once the run is accepted: which shard, and where that came from. */
  source: string | undefined;
}

const NEITHER =
  '--shard auto needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm job array: sbatch --array=0-3 for 4 shards) or JOB_COMPLETION_INDEX with --shards N (a Kubernetes Indexed Job), and none is set; pass --shard K/N instead';

/** A variable's whole-number value; undefined when unset. */
function wholeVar(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v.trim())) throw new UserError(`--shard auto: ${name} is '${v}', not a whole number; pass --shard K/N instead`);
  return Number(v);
}

function fromSlurm(env: NodeJS.ProcessEnv, id: number, shards: number | undefined): ResolvedShard {
  const count = wholeVar(env, 'SLURM_ARRAY_TASK_COUNT');
  if (count === undefined) throw new UserError(NEITHER);
  const min = wholeVar(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
  const step = wholeVar(env, 'SLURM_ARRAY_TASK_STEP') || 1;
  const index = (id - min) / step;
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new UserError(
      `--shard auto: array task ${id} is not one of ${count} evenly spaced tasks from ${min}; submit a range such as --array=0-${count - 1}, or pass --shard K/N`,
    );
  if (shards !== undefined && shards !== count)
    throw new UserError(`--shards ${shards} disagrees with the Slurm array's ${count} tasks; leave --shards out under Slurm`);
  const from = min === 0 && step === 1 ? `${id}` : `(${id} - SLURM_ARRAY_TASK_MIN ${min}) / ${step}`;
  return {
    shard: { index, count },
    source: `shard ${index}/${count} from Slurm: SLURM_ARRAY_TASK_ID ${from} of SLURM_ARRAY_TASK_COUNT ${count}`,
  };
}

function fromKubernetes(index: number, shards: number | undefined): ResolvedShard {
  if (shards === undefined)
    throw new UserError(
      "--shard auto found JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) but no --shards N; pass the Job's completions as --shards",
    );
  if (index >= shards) throw new UserError(`--shard auto: JOB_COMPLETION_INDEX ${index} is not below --shards ${shards}; make them agree`);
  return {
    shard: { index, count: shards },
    source: `shard ${index}/${shards} from Kubernetes: JOB_COMPLETION_INDEX ${index} of --shards ${shards}`,
  };
}

/**
 * The shard a run embeds: as given (K/N), from the environment (auto; Slurm's variables first),
 * or none. Refuses, in one line, --shards without auto and an environment that names no shard.
 */
export function resolveShard(flag: ShardSpec | 'auto' | undefined, shards: number | undefined, env = process.env): ResolvedShard {
  if (shards !== undefined && flag !== 'auto')
    throw new UserError('--shards N goes with --shard auto (for a Kubernetes Indexed Job); with --shard K/N, N is the count');
  if (shards !== undefined && (shards < 1 || shards > MAX_SHARDS))
    throw new UserError(`--shards must be from 1 to ${MAX_SHARDS}, got ${shards}`);
  if (flag === undefined) return { shard: undefined, source: undefined };
  if (flag !== 'auto') return { shard: flag, source: `shard ${shardName(flag)} (--shard)` };
  const slurm = wholeVar(env, 'SLURM_ARRAY_TASK_ID');
  if (slurm !== undefined) return fromSlurm(env, slurm, shards);
  const k8s = wholeVar(env, 'JOB_COMPLETION_INDEX');
  if (k8s !== undefined) return fromKubernetes(k8s, shards);
  throw new UserError(NEITHER);
}
