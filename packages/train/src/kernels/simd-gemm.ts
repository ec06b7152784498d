/**
 * Matrix products C = A·B (row-major float32) as WebAssembly SIMD kernels generated for each
 * shape, for the tfjs-wasm heap (wasm-matmul.ts). XNNPACK's wasm build multiplies and adds in
 * separate instructions and reached ~25 GFLOPS on this machine's shapes (1000×1000 by 1000×50);
 * a 4-row × 8-column register tile with the sizes baked in as constants reaches ~35, and ~43
 * with relaxed SIMD's fused multiply-add, used where the engine has it.
 * Each tile keeps 8 accumulators, 2 vectors of B and 1 splatted element of A in registers. Rows
 * are the outer loop, so a 4-row strip of A stays in L1 while B (the small activation matrix in
 * the feature-major layers) streams from L2. B is first copied into a scratch area as panels of
 * 8 columns, each k rows of 32 contiguous bytes: read in place, a tile's B loads were one row
 * (n floats) apart, each from a different cache line, and the line's other half, which the next
 * tile needs, was gone from L1 by then. Packed, 1000×1000 by 1000×50 went from 34 to 47 GFLOPS
 * and by 1000×100 from 44 to 50 (CPU time, medians of 7); the sums are in the same order, so
 * the products are the same bits. A last partial vector of columns reads up to 3 floats past its
 * row (the caller checks they are inside the memory) and stores only its lanes.
 */
import { setFlagsFromString } from 'node:v8';
import { get, I32, I32_ADD, I32_CONST, I32_GE_U, I32_MUL, I32_SUB, moduleBytes, set, simd, uleb, V128 } from '@aae-map/shared/wasm-asm';

const MR = 4;
/** Strips of a transposed A copied together: 4 strips of 4 floats are one 64-byte line of Aᵀ. */
const STRIPS = 4;
const [I32_AND, I32_EQZ, I32_SHR_U] = [0x71, 0x45, 0x76];
const NV = 2;
const i32 = I32_CONST;
const load = (offset: number) => [...simd(0x00), 4, ...uleb(offset)];
const loadSplat = (offset: number) => [...simd(0x09), 2, ...uleb(offset)];
const store = (offset: number) => [...simd(0x0b), 4, ...uleb(offset)];
const storeLane = (lane: number, offset: number) => [...simd(0x1f), lane, 0x38, 2, ...uleb(offset)]; // f32x4.extract_lane; f32.store
const ZERO = [...simd(0x0c), ...Array<number>(16).fill(0)];
const [MUL, ADD, MADD] = [simd(0xe6), simd(0xe4), simd(0x105)];
/** block + loop that exits when local `i` >= `limit` (an i32 expression). */
const whileBelow = (i: number, limit: number[], body: number[]) => [
  0x02,
  0x40,
  0x03,
  0x40,
  ...get(i),
  ...limit,
  I32_GE_U,
  0x0d,
  1,
  ...body,
  0x0c,
  0,
  0x0b,
  0x0b,
];

export interface GemmShape {
  m: number;
  k: number;
  n: number;
  /** A is stored transposed, [k, m]: C = Aᵀ·B. */
  transposeA?: boolean;
}

/** Bytes of B's packed panels in the scratch area; a transposed A's strip is packed after them. */
const panelBytes = ({ k, n }: GemmShape) => 16 * k * Math.ceil(n / 4);

/** Bytes of the scratch area where the gemm of `shape` packs B (and a transposed A's current strip). */
export function scratchBytes(shape: GemmShape): number {
  return panelBytes(shape) + (shape.transposeA ? 16 * STRIPS * shape.k : 0);
}

/**
 * The module for one shape: `gemm(a, b, c, s)` with byte offsets into the imported memory; s: scratchBytes of scratch.
 * A transposed A ([k, m]) is read one strip of MR rows of Aᵀ at a time, first copied to 16 contiguous bytes per k
 * (64-byte lines of Aᵀ hold 4 strips, so read in place each tile's A loads would come from L2); the tile reads the
 * same values in the same order as from an untransposed A, so both give the same bits.
 */
export function gemmBytes(shape: GemmShape, fused: boolean): Uint8Array<ArrayBuffer> {
  const { m, k, n, transposeA = false } = shape;
  const [A, B, C, S] = [0, 1, 2, 3];
  const [I, J, PA, PB, KK, PC] = [4, 5, 6, 7, 8, 9];
  const ACC = Array.from({ length: MR * NV }, (_, i) => 10 + i);
  const BV = Array.from({ length: NV }, (_, i) => 10 + MR * NV + i);
  const AV = 10 + MR * NV + NV;
  const blocks = Math.floor(n / (4 * NV));
  const tail = n % (4 * NV);
  const mainRows = m - (m % MR);
  /** local = the start of column block J's panel in S (k rows of 16·NV bytes; the tail's are narrower, and last). */
  const panel = (local: number) => [...get(S), ...get(J), ...i32(16 * NV * k), I32_MUL, I32_ADD, ...set(local)];
  const untilZero = (counter: number) => [...get(counter), ...i32(1), I32_SUB, 0x22, ...uleb(counter), 0x0d, 0, 0x0b]; // while (--counter); end loop

  /** One tile of `rows` rows × `vectors` column vectors at row I and column block J; the last vector keeps `lanes` lanes (0: all). */
  const tile = (rows: number, vectors: number, lanes: number): number[] => {
    const acc = (r: number, v: number) => ACC[r * NV + v]!;
    const out: number[] = [];
    for (let r = 0; r < rows; r++) for (let v = 0; v < vectors; v++) out.push(...ZERO, ...set(acc(r, v)));
    out.push(...(transposeA ? stripArea : [...get(A), ...get(I), ...i32(4 * k), I32_MUL, I32_ADD]), ...set(PA));
    out.push(...panel(PB));
    out.push(...i32(k), ...set(KK), 0x03, 0x40);
    for (let v = 0; v < vectors; v++) out.push(...get(PB), ...load(16 * v), ...set(BV[v]!));
    for (let r = 0; r < rows; r++) {
      out.push(...get(PA), ...loadSplat(transposeA ? 4 * r : 4 * k * r), ...set(AV));
      for (let v = 0; v < vectors; v++) {
        const product = fused
          ? [...get(AV), ...get(BV[v]!), ...get(acc(r, v)), ...MADD]
          : [...get(AV), ...get(BV[v]!), ...MUL, ...get(acc(r, v)), ...ADD];
        out.push(...product, ...set(acc(r, v)));
      }
    }
    out.push(...get(PA), ...i32(transposeA ? 16 : 4), I32_ADD, ...set(PA), ...get(PB), ...i32(16 * vectors), I32_ADD, ...set(PB));
    out.push(...untilZero(KK));
    out.push(...get(C), ...get(I), ...i32(4 * n), I32_MUL, I32_ADD, ...get(J), ...i32(16 * NV), I32_MUL, I32_ADD, ...set(PC));
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < vectors; v++) {
        const offset = 4 * n * r + 16 * v;
        const partial = v === vectors - 1 && lanes > 0;
        if (!partial) out.push(...get(PC), ...get(acc(r, v)), ...store(offset));
        else for (let l = 0; l < lanes; l++) out.push(...get(PC), ...get(acc(r, v)), ...storeLane(l, offset + 4 * l));
      }
    }
    return out;
  };
  /** Copies column block J of B, `vectors` vectors wide, into its panel. */
  const pack = (vectors: number): number[] => {
    const out = [...get(B), ...get(J), ...i32(16 * NV), I32_MUL, I32_ADD, ...set(PA), ...panel(PB)];
    out.push(...i32(k), ...set(KK), 0x03, 0x40);
    for (let v = 0; v < vectors; v++) out.push(...get(PB), ...get(PA), ...load(16 * v), ...store(16 * v));
    out.push(...get(PA), ...i32(4 * n), I32_ADD, ...set(PA), ...get(PB), ...i32(16 * vectors), I32_ADD, ...set(PB));
    return [...out, ...untilZero(KK)];
  };
  /**
   * At the first of every STRIPS strips, copies Aᵀ's columns I..I+4·STRIPS−1 into the strip areas, one
   * 16-byte group per strip and k (whole 64-byte lines of Aᵀ per read); reads up to 4·STRIPS−1 floats past
   * the last rows (the caller checks they are inside the memory), which no tile reads back.
   */
  const packStrips = (): number[] => {
    const out = [...get(A), ...get(I), ...i32(4), I32_MUL, I32_ADD, ...set(PA), ...get(S), ...i32(panelBytes(shape)), I32_ADD, ...set(PB)];
    out.push(...i32(k), ...set(KK), 0x03, 0x40);
    for (let q = 0; q < STRIPS; q++) out.push(...get(PB), ...get(PA), ...load(16 * q), ...store(16 * k * q));
    out.push(...get(PA), ...i32(4 * m), I32_ADD, ...set(PA), ...get(PB), ...i32(16), I32_ADD, ...set(PB));
    return [...get(I), ...i32(4 * STRIPS - 1), I32_AND, I32_EQZ, 0x04, 0x40, ...out, ...untilZero(KK), 0x0b];
  };
  /** Where the current strip's copy of Aᵀ starts. */
  const stripArea = [
    ...get(S),
    ...i32(panelBytes(shape)),
    I32_ADD,
    ...get(I),
    ...i32(2),
    I32_SHR_U,
    ...i32(STRIPS - 1),
    I32_AND,
    ...i32(16 * k),
    I32_MUL,
    I32_ADD,
  ];
  /** Every column block of the row strip at I. */
  const strip = (rows: number): number[] => [
    ...(transposeA ? packStrips() : []),
    ...i32(0),
    ...set(J),
    ...(blocks > 0 ? whileBelow(J, i32(blocks), [...tile(rows, NV, 0), ...get(J), ...i32(1), I32_ADD, ...set(J)]) : []),
    ...(tail > 0 ? tile(rows, Math.ceil(tail / 4), tail % 4) : []),
  ];
  const body = [
    ...i32(0),
    ...set(J),
    ...(blocks > 0 ? whileBelow(J, i32(blocks), [...pack(NV), ...get(J), ...i32(1), I32_ADD, ...set(J)]) : []),
    ...(tail > 0 ? pack(Math.ceil(tail / 4)) : []),
    ...i32(0),
    ...set(I),
    ...(mainRows > 0 ? whileBelow(I, i32(mainRows), [...strip(MR), ...get(I), ...i32(MR), I32_ADD, ...set(I)]) : []),
    ...(m % MR > 0 ? strip(m % MR) : []),
  ];
  return moduleBytes(
    'gemm',
    [I32, I32, I32, I32],
    [
      [6, I32],
      [MR * NV + NV + 1, V128],
    ],
    body,
    'unshared',
  );
}

export type GemmFn = (a: number, b: number, c: number, s: number) => void;

const compiles = (bytes: Uint8Array<ArrayBuffer>): boolean => {
  try {
    new WebAssembly.Module(bytes);
    return true;
  } catch {
    return false;
  }
};

/**
 * Whether the engine compiles relaxed SIMD (decided once, on a small module). Node 20 has it
 * behind a V8 flag, which is set only when needed (Node 22 ships it); where the flag is refused
 * or unknown, the kernels multiply and add.
 */
let fusedAvailable: boolean | undefined;
export function fusedMultiplyAdd(): boolean {
  if (fusedAvailable === undefined) {
    const probe = gemmBytes({ m: 1, k: 1, n: 4 }, true);
    fusedAvailable = compiles(probe);
    if (!fusedAvailable) {
      try {
        setFlagsFromString('--experimental-wasm-relaxed-simd');
      } catch {
        /* the plain kernel */
      }
      fusedAvailable = compiles(probe);
    }
  }
  return fusedAvailable;
}

/** Per memory, the compiled kernel of each shape seen (a training run uses a few dozen). */
export class GemmKernels {
  private readonly kernels = new Map<string, GemmFn | null>();

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly fused = fusedMultiplyAdd(),
  ) {}

  /** The kernel for `shape`, or undefined where wasm SIMD is missing. */
  for(shape: GemmShape): GemmFn | undefined {
    const key = `${shape.m}x${shape.k}x${shape.n}${shape.transposeA ? 'T' : ''}`;
    let kernel = this.kernels.get(key);
    if (kernel === undefined) {
      try {
        const module = new WebAssembly.Module(gemmBytes(shape, this.fused));
        kernel = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports.gemm as GemmFn;
      } catch {
        kernel = null;
      }
      this.kernels.set(key, kernel);
    }
    return kernel ?? undefined;
  }

  /**
   * C = A·B (or Aᵀ·B) for float32 matrices at byte offsets `a` ([m, k], or [k, m]), `b` ([k, n]) and `c`
   * ([m, n]) in the memory, using scratchBytes(shape) at `s`; false (nothing done) when there is no kernel
   * or the last row of B (or of a transposed A) cannot be over-read.
   */
  run(shape: GemmShape, a: number, b: number, c: number, s: number): boolean {
    const { m, k, n } = shape;
    const end = this.memory.buffer.byteLength;
    if (m < 1 || k < 1 || n < 1 || b + 4 * k * n + 16 > end || (shape.transposeA && a + 4 * k * m + 64 > end)) return false;
    const kernel = this.for(shape);
    if (!kernel) return false;
    kernel(a, b, c, s);
    return true;
  }
}
