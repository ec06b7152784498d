/**
 * The dense layers' products in the system's OpenBLAS (`cblas_sgemm`), called through koffi's
 * foreign-function interface on tfjs-wasm's own memory: the inputs are read and the output is
 * written in place, with no copy and about half a microsecond of call overhead. OpenBLAS's
 * kernels use the CPU's full vector width (AVX-512 where it exists), where wasm SIMD has 128
 * bits, and on these products they run about 1.2–2× faster than onnxruntime's (docs/design.md,
 * Speed). PyTorch on Linux uses the same library, so the benchmark compares like with like.
 *
 * The one file in this package that imports koffi. OpenBLAS is not an npm package: on Debian,
 * `apt-get install libopenblas0-pthread` (or any build that exports cblas_sgemm, named by
 * AAE_BLAS_LIBRARY). Each replica worker calls it from its own thread with OpenBLAS's own
 * threads set to one, since the replicas already take a core each.
 */
import { createRequire } from 'node:module';
import { firstLine } from '@aae-map/shared';
import type { LibraryHandle } from 'koffi';
import type { GemmShape } from './simd-gemm.ts';

/** Where OpenBLAS is looked for, in order, by the dynamic loader's search path. */
const LIBRARIES = ['libopenblas.so.0', 'libopenblas.so', 'libopenblas.dylib', '/opt/homebrew/opt/openblas/lib/libopenblas.dylib'];
export const BLAS_HOW_TO =
  'on Debian or Ubuntu: apt-get install libopenblas0-pthread (or set AAE_BLAS_LIBRARY to a library with cblas_sgemm)';

// CBLAS's enum values (cblas.h).
const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

type Sgemm = (
  order: number,
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
) => void;

function open(): { lib: LibraryHandle; path: string } {
  // Loaded on first use, so that a platform without koffi's prebuilt binary only loses this kernel.
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const asked = process.env.AAE_BLAS_LIBRARY;
  let last = '';
  for (const path of asked ? [asked] : LIBRARIES) {
    try {
      return { lib: koffi.load(path), path };
    } catch (err) {
      last = firstLine(err);
    }
  }
  const tried = asked ? `AAE_BLAS_LIBRARY=${asked}` : LIBRARIES.join(', ');
  throw new Error(`no OpenBLAS found (${tried}: ${last}); ${BLAS_HOW_TO}`);
}

/** Products in OpenBLAS, on the calling thread. */
export class BlasGemm {
  private constructor(
    private readonly sgemm: Sgemm,
    /** The library that was loaded, for the log. */
    readonly path: string,
    /** OpenBLAS's own thread count, for the whole process; absent for another CBLAS. */
    readonly setThreads?: (n: number) => void,
  ) {}

  /** Loads OpenBLAS and sets it to one thread; throws, saying how to install it, when it cannot. */
  static load(): BlasGemm {
    const { lib, path } = open();
    const sgemm = lib.func(
      'void cblas_sgemm(int, int, int, int, int, int, float, float *, int, float *, int, float, float *, int)',
    ) as unknown as Sgemm;
    let setThreads: ((n: number) => void) | undefined;
    try {
      setThreads = lib.func('void openblas_set_num_threads(int)') as unknown as (n: number) => void;
      setThreads(1);
    } catch {
      // Not OpenBLAS (AAE_BLAS_LIBRARY named another CBLAS): it keeps its own threading.
    }
    return new BlasGemm(sgemm, path, setThreads);
  }

  /** C [m, n] = A·B (A [m, k]) or Aᵀ·B (A [k, m]), into `c`; each a view of exactly its matrix. */
  run(shape: GemmShape, a: Float32Array, b: Float32Array, c: Float32Array): void {
    const { m, k, n, transposeA = false } = shape;
    if (m === 0 || n === 0) return;
    if (k === 0) {
      c.fill(0);
      return;
    }
    this.sgemm(ROW_MAJOR, transposeA ? TRANS : NO_TRANS, NO_TRANS, m, n, k, 1, a, transposeA ? m : k, b, n, 0, c, n);
  }
}
