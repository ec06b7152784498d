/**
 * Transposition of whole 4×4 tiles as a WebAssembly SIMD kernel: four rows are loaded as
 * vectors, regrouped by eight lane shuffles and stored as four columns. Refreshing the
 * transposed kernels after each Adam update was the largest cost of a training step outside
 * the matrix products (about 17 ms an iteration per replica in plain JS, 3.5 ms per million
 * floats). Like simd-adam.ts it works on a shared WebAssembly.Memory (the SharedArena).
 */
import {
  get,
  I32,
  I32_ADD,
  I32_CONST,
  I32_GE_U,
  I32_MUL,
  indices,
  KernelCache,
  LOAD,
  moduleBytes,
  STORE,
  set,
  simd,
  V128,
} from '@aae-map/shared/wasm-asm';

const i32 = I32_CONST;

/** i8x16.shuffle picking float lanes (0–3 from the first vector, 4–7 from the second). */
const shuffle = (lanes: [number, number, number, number]) => [
  ...simd(0x0d),
  ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
];

function kernelBytes(): Uint8Array<ArrayBuffer> {
  // Parameters: byte offsets of src ([rows, cols]) and dst ([cols, rows]), rows, cols, the row
  // range [r0, r1) (a multiple of 4 long) and c4, the columns to do (a multiple of 4).
  const [SRC, DST, ROWS, COLS, R0, R1, C4] = [0, 1, 2, 3, 4, 5, 6];
  const [R, C, SP, DP, S1, S2, S3, D1, D2, D3, D4] = indices(7, 11);
  const [A, B, CC, D, T0, T1, T2, T3] = indices(18, 8);
  const times = (x: number, k: number) => [...get(x), ...i32(k), I32_MUL];
  const plus = (x: number, y: number) => [...get(x), ...get(y), I32_ADD];
  const load = (off?: number) => [...(off === undefined ? get(SP) : plus(SP, off)), ...LOAD];
  const store = (off: number | undefined, value: number[]) => [...(off === undefined ? get(DP) : plus(DP, off)), ...value, ...STORE];
  const body = [
    ...times(COLS, 4),
    ...set(S1),
    ...times(S1, 2),
    ...set(S2),
    ...plus(S1, S2),
    ...set(S3),
    ...times(ROWS, 4),
    ...set(D1),
    ...times(D1, 2),
    ...set(D2),
    ...plus(D1, D2),
    ...set(D3),
    ...times(D1, 4),
    ...set(D4),
    ...get(R0),
    ...set(R),
    0x02,
    0x40,
    0x03,
    0x40, // block, loop over row groups
    ...get(R),
    ...get(R1),
    I32_GE_U,
    0x0d,
    1,
    ...get(SRC),
    ...get(R),
    ...get(S1),
    I32_MUL,
    I32_ADD,
    ...set(SP), // sp = src + r·cols·4
    ...get(DST),
    ...times(R, 4),
    I32_ADD,
    ...set(DP), // dp = dst + r·4
    ...i32(0),
    ...set(C),
    0x02,
    0x40,
    0x03,
    0x40, // block, loop over column groups
    ...get(C),
    ...get(C4),
    I32_GE_U,
    0x0d,
    1,
    ...load(),
    ...set(A),
    ...load(S1),
    ...set(B),
    ...load(S2),
    ...set(CC),
    ...load(S3),
    ...set(D),
    ...get(A),
    ...get(B),
    ...shuffle([0, 4, 1, 5]),
    ...set(T0),
    ...get(A),
    ...get(B),
    ...shuffle([2, 6, 3, 7]),
    ...set(T1),
    ...get(CC),
    ...get(D),
    ...shuffle([0, 4, 1, 5]),
    ...set(T2),
    ...get(CC),
    ...get(D),
    ...shuffle([2, 6, 3, 7]),
    ...set(T3),
    ...store(undefined, [...get(T0), ...get(T2), ...shuffle([0, 1, 4, 5])]),
    ...store(D1, [...get(T0), ...get(T2), ...shuffle([2, 3, 6, 7])]),
    ...store(D2, [...get(T1), ...get(T3), ...shuffle([0, 1, 4, 5])]),
    ...store(D3, [...get(T1), ...get(T3), ...shuffle([2, 3, 6, 7])]),
    ...get(SP),
    ...i32(16),
    I32_ADD,
    ...set(SP),
    ...plus(DP, D4),
    ...set(DP),
    ...get(C),
    ...i32(4),
    I32_ADD,
    ...set(C),
    0x0c,
    0,
    0x0b,
    0x0b, // br loop; end loop; end block
    ...get(R),
    ...i32(4),
    I32_ADD,
    ...set(R),
    0x0c,
    0,
    0x0b,
    0x0b,
  ];
  return moduleBytes(
    'transpose',
    [I32, I32, I32, I32, I32, I32, I32],
    [
      [11, I32],
      [8, V128],
    ],
    body,
  );
}

type KernelFn = (src: number, dst: number, rows: number, cols: number, r0: number, r1: number, c4: number) => void;

const kernels = new KernelCache<KernelFn>(kernelBytes, 'transpose');

export function attachTransposeKernel(memory: WebAssembly.Memory): void {
  kernels.attach(memory);
}

/**
 * Writes the transposes of rows [r0, r4) × columns [0, c4) of `src` ([rows, cols]) into `dst`
 * ([cols, rows]); r4 − r0 and c4 must be multiples of 4. Returns false (doing nothing) when
 * the arrays do not view one memory passed to attachTransposeKernel.
 */
export function simdTransposeTiles(
  src: Float32Array,
  rows: number,
  cols: number,
  dst: Float32Array,
  r0: number,
  r4: number,
  c4: number,
): boolean {
  const kernel = kernels.for(src, dst);
  if (!kernel) return false;
  kernel(src.byteOffset, dst.byteOffset, rows, cols, r0, r4, c4);
  return true;
}
