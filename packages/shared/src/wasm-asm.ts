/**
 * Just enough of a WebAssembly assembler for the hand-written kernels (train's simd-adam.ts
 * and simd-gemm.ts, and png-unfilter.ts here): LEB128 numbers, sections, and
 * a one-function module that imports a memory, so no wasm toolchain is needed.
 */
export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
/** Signed LEB128, as i32.const takes its operand. */
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
export const I32_CONST = (n: number): number[] => [0x41, ...sleb(n)];
const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
export const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
export const [I32, F32, V128] = [0x7f, 0x7d, 0x7b];
export const simd = (op: number) => [0xfd, ...uleb(op)];
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
type Indices<N extends number, T extends number[] = []> = T['length'] extends N ? T : Indices<N, [...T, number]>;
/** `count` consecutive local indices from `first`, typed as a tuple so that naming more locals than there are fails to compile. */
export const indices = <N extends number>(first: number, count: N) => Array.from({ length: count }, (_, i) => first + i) as Indices<N>;
/** v128.load / v128.store with no offset, of the address on the stack. */
export const LOAD = [...simd(0x00), 0, 0];
export const STORE = [...simd(0x0b), 0, 0];
export const [I32_ADD, I32_SUB, I32_MUL, I32_GE_U] = [0x6a, 0x6b, 0x6c, 0x4f];

/**
 * A module with one exported function `exportName(params) → (results)` over an imported memory
 * `env.memory`: shared (the SharedArena's, the default) or unshared (tfjs-wasm's heap).
 */
export function moduleBytes(
  exportName: string,
  params: number[],
  locals: Array<[count: number, type: number]>,
  body: number[],
  memory: 'shared' | 'unshared' = 'shared',
  results: number[] = [],
): Uint8Array<ArrayBuffer> {
  const code = [...vec(locals.map(([n, t]) => [...uleb(n), t])), ...body, 0x0b];
  const limits = memory === 'shared' ? [0x03, ...uleb(0), ...uleb(65536)] : [0x00, ...uleb(0)];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([[0x60, ...vec(params.map((t) => [t])), ...vec(results.map((t) => [t]))]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name(exportName), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

/**
 * Compiles a kernel module once per thread (null where wasm SIMD is unavailable) and
 * instantiates it for each shared memory it is attached to.
 */
export class KernelCache<F> {
  private module: WebAssembly.Module | undefined | null;
  private readonly instances = new WeakMap<ArrayBufferLike, F>();

  constructor(
    private readonly bytes: () => Uint8Array<ArrayBuffer>,
    private readonly exportName: string,
  ) {}

  attach(memory: WebAssembly.Memory): void {
    if (this.module === undefined) {
      try {
        this.module = new WebAssembly.Module(this.bytes());
      } catch {
        this.module = null;
      }
    }
    if (this.module)
      this.instances.set(memory.buffer, new WebAssembly.Instance(this.module, { env: { memory } }).exports[this.exportName] as F);
  }

  /** The kernel for arrays that all view one attached memory, else undefined. */
  for(...arrays: Float32Array[]): F | undefined {
    const buffer = arrays[0]!.buffer;
    return arrays.every((a) => a.buffer === buffer) ? this.instances.get(buffer) : undefined;
  }
}
