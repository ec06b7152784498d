/**
 * The Adam update as a WebAssembly SIMD kernel (4 floats per instruction). In plain JS the
 * update is bound by one square root and one division per weight in float64, about 6 ms per
 * million weights on this machine; the kernel does 1 ms, close to the memory bandwidth. It
 * works in place on a shared WebAssembly.Memory that holds weights, gradients and optimizer
 * slots (see SharedArena), so worker threads can each update a slice.
 * The module is assembled here from its few instructions, so no wasm toolchain is needed.
 */
import {
  F32,
  get,
  I32,
  I32_ADD,
  I32_CONST,
  I32_GE_U,
  KernelCache,
  LOAD,
  moduleBytes,
  STORE,
  set,
  simd,
  V128,
} from '@aae-map/shared/wasm-asm';

/** f32 arithmetic in JS with the kernel's exact operation order: the tails (and any caller without the kernel) match it bit for bit. */
export interface AdamScalars {
  /** Weights of the two gradient sources. */
  wa: number;
  wb: number;
  b1: number;
  b2: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** 1 / √(1 − β2ᵗ) */
  vScale: number;
  eps: number;
}

const f = Math.fround;

/** p −= st·m / (√v·vs + ε) after the moment updates, for elements [from, to), in float32 arithmetic. */
export function adamRange(
  p: Float32Array,
  ga: Float32Array,
  gb: Float32Array,
  m: Float32Array,
  v: Float32Array,
  from: number,
  to: number,
  s: AdamScalars,
): void {
  const [wa, wb, b1, b2, st, vs, eps] = [s.wa, s.wb, s.b1, s.b2, s.stepSize, s.vScale, s.eps].map(f) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const c1 = f(1 - b1);
  const c2 = f(1 - b2);
  for (let i = from; i < to; i++) {
    const g = f(f(wa * ga[i]!) + f(wb * gb[i]!));
    const mi = f(f(b1 * m[i]!) + f(c1 * g));
    const vi = f(f(b2 * v[i]!) + f(c2 * f(g * g)));
    m[i] = mi;
    v[i] = vi;
    p[i] = f(p[i]! - f(f(st * mi) / f(f(f(Math.sqrt(vi)) * vs) + eps)));
  }
}

// --- the module, assembled -------------------------------------------------------------------
const [ADD, SUB, MUL, DIV, SQRT, SPLAT] = [0xe4, 0xe5, 0xe6, 0xe7, 0xe3, 0x13].map(simd) as [
  number[],
  number[],
  number[],
  number[],
  number[],
  number[],
];

function kernelBytes(): Uint8Array<ArrayBuffer> {
  // Parameters: byte offsets p, ga, gb, m, v and the byte count (a multiple of 16), then the scalars.
  const [P, GA, GB, M, V, N, WA, WB, B1, B2, ST, VS, EPS] = Array.from({ length: 13 }, (_, i) => i) as number[];
  const params = [I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32];
  // Locals: the loop offset, then v128s: g, m, v, and the splatted scalars.
  const [I, G, MM, VV, SWA, SWB, SB1, SC1, SB2, SC2, SST, SVS, SEPS] = Array.from({ length: 13 }, (_, i) => 13 + i) as number[];
  const at = (ptr: number) => [...get(ptr!), ...get(I!), I32_ADD]; // ptr + i
  const load = (ptr: number) => [...at(ptr), ...LOAD];
  const store = (ptr: number, value: number[]) => [...at(ptr), ...value, ...STORE];
  const splat = (from: number, to: number) => [...get(from), ...SPLAT, ...set(to)];
  const oneMinus = (from: number, to: number) => [0x43, 0, 0, 0x80, 0x3f, ...get(from), 0x93, ...SPLAT, ...set(to)]; // f32.const 1; f32.sub
  const body = [
    ...splat(WA!, SWA!),
    ...splat(WB!, SWB!),
    ...splat(B1!, SB1!),
    ...splat(B2!, SB2!),
    ...splat(ST!, SST!),
    ...splat(VS!, SVS!),
    ...splat(EPS!, SEPS!),
    ...oneMinus(B1!, SC1!),
    ...oneMinus(B2!, SC2!),
    0x02,
    0x40,
    0x03,
    0x40, // block, loop
    ...get(I!),
    ...get(N!),
    I32_GE_U,
    0x0d,
    1, // br_if out when i >= n (unsigned)
    ...get(SWA!),
    ...load(GA!),
    ...MUL,
    ...get(SWB!),
    ...load(GB!),
    ...MUL,
    ...ADD,
    ...set(G!),
    ...get(SB1!),
    ...load(M!),
    ...MUL,
    ...get(SC1!),
    ...get(G!),
    ...MUL,
    ...ADD,
    ...set(MM!),
    ...get(SB2!),
    ...load(V!),
    ...MUL,
    ...get(SC2!),
    ...get(G!),
    ...get(G!),
    ...MUL,
    ...MUL,
    ...ADD,
    ...set(VV!),
    ...store(M!, get(MM!)),
    ...store(V!, get(VV!)),
    ...store(P!, [
      ...load(P!),
      ...get(SST!),
      ...get(MM!),
      ...MUL,
      ...get(VV!),
      ...SQRT,
      ...get(SVS!),
      ...MUL,
      ...get(SEPS!),
      ...ADD,
      ...DIV,
      ...SUB,
    ]),
    ...get(I!),
    ...I32_CONST(16),
    I32_ADD,
    ...set(I!), // i += 16
    0x0c,
    0,
    0x0b,
    0x0b, // br loop; end loop; end block
  ];
  return moduleBytes(
    'adam',
    params,
    [
      [1, I32],
      [12, V128],
    ],
    body,
  );
}

/** y = a·y + b·x on whole vectors: the fold that reduces more than two replicas' gradients to two. */
function foldBytes(): Uint8Array<ArrayBuffer> {
  const [Y, X, N, A, B] = [0, 1, 2, 3, 4];
  const [I, SA, SB] = [5, 6, 7];
  const at = (ptr: number) => [...get(ptr), ...get(I), I32_ADD];
  const body = [
    ...get(A),
    ...SPLAT,
    ...set(SA),
    ...get(B),
    ...SPLAT,
    ...set(SB),
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(I),
    ...get(N),
    I32_GE_U,
    0x0d,
    1,
    ...at(Y),
    ...get(SA),
    ...at(Y),
    ...LOAD,
    ...MUL,
    ...get(SB),
    ...at(X),
    ...LOAD,
    ...MUL,
    ...ADD,
    ...STORE,
    ...get(I),
    ...I32_CONST(16),
    I32_ADD,
    ...set(I),
    0x0c,
    0,
    0x0b,
    0x0b,
  ];
  return moduleBytes(
    'fold',
    [I32, I32, I32, F32, F32],
    [
      [1, I32],
      [2, V128],
    ],
    body,
  );
}

type KernelFn = (p: number, ga: number, gb: number, m: number, v: number, bytes: number, ...scalars: number[]) => void;
type FoldFn = (y: number, x: number, bytes: number, a: number, b: number) => void;

const kernels = new KernelCache<KernelFn>(kernelBytes, 'adam');
const folds = new KernelCache<FoldFn>(foldBytes, 'fold');

/** The kernels bound to a shared wasm memory, instantiated once per thread; nothing where wasm SIMD is unavailable. */
export function attachKernel(memory: WebAssembly.Memory): void {
  kernels.attach(memory);
  folds.attach(memory);
}

/** y[i] = a·y[i] + b·x[i] for i in [from, to), in float32 arithmetic (the kernel where y and x view an attached memory). */
export function foldRange(y: Float32Array, x: Float32Array, from: number, to: number, a: number, b: number): void {
  const kernel = folds.for(y, x);
  const whole = kernel ? (to - from) & ~3 : 0;
  if (whole > 0) kernel!(y.byteOffset + 4 * from, x.byteOffset + 4 * from, 4 * whole, a, b);
  const [fa, fb] = [f(a), f(b)];
  for (let i = from + whole; i < to; i++) y[i] = f(f(fa * y[i]!) + f(fb * x[i]!));
}

/**
 * Runs the update on elements [from, to) of arrays that all view one memory passed to
 * attachKernel, with the kernel for whole groups of 4 and adamRange for the rest; returns false
 * (doing nothing) when they do not.
 */
export function simdAdamRange(
  p: Float32Array,
  ga: Float32Array,
  gb: Float32Array,
  m: Float32Array,
  v: Float32Array,
  from: number,
  to: number,
  s: AdamScalars,
): boolean {
  const kernel = kernels.for(p, ga, gb, m, v);
  if (!kernel) return false;
  const whole = (to - from) & ~3;
  const byte = (a: Float32Array) => a.byteOffset + 4 * from;
  if (whole > 0) kernel(byte(p), byte(ga), byte(gb), byte(m), byte(v), 4 * whole, s.wa, s.wb, s.b1, s.b2, s.stepSize, s.vScale, s.eps);
  adamRange(p, ga, gb, m, v, from + whole, to, s);
  return true;
}
