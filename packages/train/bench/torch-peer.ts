/**
 * PyTorch's time for the same training iteration, from a peer script that the caller names
 * (`--peer PATH` or AAE_TORCH_PEER): it is run as `python3 PATH BATCH ITERATIONS` and prints a
 * line with "<ms> ms/iter". Debian's python3-torch is the reference. OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE are unset for the peer's command only, as its reference figures were taken:
 * values set for another CPU would mis-tune OpenBLAS.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const UNSET = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

export interface TorchPeer {
  script: string;
  /** What runs it, e.g. "torch 1.13.0a0, 1 thread". */
  label: string;
  /** Mean ms per iteration of one run of the script; `blasThreads` caps its BLAS's threads (default: its own choice). */
  time(batch: number, iterations: number, blasThreads?: number): Promise<number>;
}

/**
 * Torch's own thread count covers its intra-op pool only: Debian's torch hands matrix products to
 * OpenBLAS, whose threads (one per core by default) are counted apart.
 */
const PROBE = [
  'import ctypes, torch',
  'try: blas = f"OpenBLAS on {ctypes.CDLL(\'libopenblas.so.0\').openblas_get_num_threads()} threads"',
  'except Exception: blas = "its BLAS\'s own threads"',
  'print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s), products in {blas}")',
].join('\n');

const env = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !UNSET.includes(k)));

const firstLine = (err: unknown) =>
  String((err as { stderr?: string }).stderr || (err as Error).message)
    .trim()
    .split('\n')
    .at(-1)!
    .slice(0, 200);

/** The peer, or why there is none (one line). */
export async function findTorchPeer(script: string | undefined): Promise<TorchPeer | string> {
  if (!script) return 'no PyTorch peer script (pass --peer PATH or set AAE_TORCH_PEER)';
  if (!existsSync(script)) return `the PyTorch peer script ${script} does not exist`;
  let label: string;
  try {
    label = (await run(PYTHON, ['-c', PROBE], { env: env() })).stdout.trim();
  } catch (err) {
    return `${PYTHON} cannot import torch (${firstLine(err)}); on Debian: apt-get install python3-torch`;
  }
  return {
    script,
    label,
    async time(batch, iterations, blasThreads) {
      const threads = blasThreads ? { OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: String(blasThreads) } : {};
      const { stdout } = await run(PYTHON, [script, String(batch), String(iterations)], {
        env: { ...env(), ...threads },
        maxBuffer: 1 << 20,
      });
      const ms = /([\d.]+) ms\/iter/.exec(stdout)?.[1];
      if (!ms) throw new Error(`the PyTorch peer printed no "ms/iter": ${stdout.trim().slice(0, 200)}`);
      return Number(ms);
    },
  };
}
