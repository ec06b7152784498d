/**
 * PNG row filters reversed for 8-bit gray images, as a hand-assembled WebAssembly function.
 * The JS loop (png-direct.ts' unfilterGray) is as fast once V8 has optimized it, but a new
 * decode worker runs it interpreted for its first few hundred files: about 40 µs a 28x28 file,
 * most of a cold worker's decode, and ~23 ms of a 20,000-file embed run. Wasm runs at speed
 * from its first call.
 *
 * inflate writes the image data straight into the module's memory (grayInput), and the
 * function writes the pixels next to it. Layout: a zero row (the row "above" the first one),
 * the filtered data, the pixels.
 */

import { get, I32, I32_ADD, I32_CONST, I32_MUL, I32_SUB, indices, moduleBytes, set, uleb } from '../wasm-asm.ts';
import { DecodeError } from './decode-error.ts';

const [I32_LOAD8_U, I32_STORE8] = [
  [0x2d, 0, 0],
  [0x3a, 0, 0],
];
const [I32_AND, I32_XOR, I32_SHR_S, I32_LE_S, I32_GE_S, I32_EQZ, SELECT, LOCAL_TEE, RETURN] = [
  0x71, 0x73, 0x75, 0x4c, 0x4e, 0x45, 0x1b, 0x22, 0x0f,
];

/** Structured control flow with named labels, so branch depths are counted for us. */
class Labels {
  private readonly stack: string[] = [];
  private depth(name: string): number {
    const i = this.stack.lastIndexOf(name);
    if (i < 0) throw new Error(`no label ${name}`);
    return this.stack.length - 1 - i;
  }
  private nest(op: number, name: string, body: () => number[]): number[] {
    this.stack.push(name);
    const code = body();
    this.stack.pop();
    return [op, 0x40, ...code, 0x0b];
  }
  block = (name: string, body: () => number[]) => this.nest(0x02, name, body);
  loop = (name: string, body: () => number[]) => this.nest(0x03, name, body);
  br = (name: string) => [0x0c, ...uleb(this.depth(name))];
  brIf = (name: string) => [0x0d, ...uleb(this.depth(name))];
  brTable = (names: string[], fallback: string) => [
    0x0e,
    ...uleb(names.length),
    ...names.flatMap((n) => uleb(this.depth(n))),
    ...uleb(this.depth(fallback)),
  ];
}

/** unfilter(src, dst, zero, width, height) → -1, or the first row whose filter type is unknown. */
export function moduleCode(): Uint8Array<ArrayBuffer> {
  const [SRC, DST, ZERO, W, H] = [0, 1, 2, 3, 4];
  const [Y, S, D, U, I, A, B, C, T, M, PA, PB, PC] = indices(5, 13);
  const L = new Labels();
  const i32 = I32_CONST;
  const at = (base: number) => [...get(base), ...get(I), I32_ADD];
  const load = (base: number) => [...at(base), ...I32_LOAD8_U];
  const store = (value: number[]) => [...at(D), ...value, ...I32_STORE8];
  const abs = (x: number[], into: number) => [
    ...x,
    ...set(T),
    ...get(T),
    ...get(T),
    ...i32(31),
    I32_SHR_S,
    LOCAL_TEE,
    ...uleb(M),
    I32_XOR,
    ...get(M),
    I32_SUB,
    ...set(into),
  ];
  /** for (I = 0; I < W; I++) body, then on to the next row. */
  const pixels = (body: number[]) => [
    ...i32(0),
    ...set(I),
    ...L.block('endRow', () =>
      L.loop('pixel', () => [
        ...get(I),
        ...get(W),
        I32_GE_S,
        ...L.brIf('endRow'),
        ...body,
        ...get(I),
        ...i32(1),
        I32_ADD,
        ...set(I),
        ...L.br('pixel'),
      ]),
    ),
    ...L.br('next'),
  ];
  const filters = () => [
    ...L.block('bad', () => [
      ...L.block('paeth', () => [
        ...L.block('average', () => [
          ...L.block('up', () => [
            ...L.block('sub', () => [
              ...L.block('none', () => [
                ...get(S),
                ...i32(1),
                I32_SUB,
                ...I32_LOAD8_U,
                ...L.brTable(['none', 'sub', 'up', 'average', 'paeth'], 'bad'),
              ]),
              ...pixels(store(load(S))),
            ]),
            ...pixels([...load(S), ...get(A), I32_ADD, ...i32(255), I32_AND, ...set(A), ...store(get(A))]),
          ]),
          // store8 keeps the low byte: the sum needs no mask.
          ...pixels(store([...load(S), ...load(U), I32_ADD])),
        ]),
        ...pixels([
          ...load(S),
          ...get(A),
          ...load(U),
          I32_ADD,
          ...i32(1),
          0x76,
          I32_ADD,
          ...i32(255),
          I32_AND,
          ...set(A),
          ...store(get(A)),
        ]),
      ]),
      ...pixels([
        ...load(U),
        ...set(B),
        ...abs([...get(B), ...get(C), I32_SUB], PA),
        ...abs([...get(A), ...get(C), I32_SUB], PB),
        ...abs([...get(A), ...get(B), I32_ADD, ...get(C), I32_SUB, ...get(C), I32_SUB], PC),
        // a if pa <= pb and pa <= pc, else b if pb <= pc, else c
        ...get(A),
        ...get(B),
        ...get(C),
        ...get(PB),
        ...get(PC),
        I32_LE_S,
        SELECT,
        ...get(PA),
        ...get(PB),
        I32_LE_S,
        ...get(PA),
        ...get(PC),
        I32_LE_S,
        I32_AND,
        SELECT,
        ...load(S),
        I32_ADD,
        ...i32(255),
        I32_AND,
        ...set(A),
        ...store(get(A)),
        ...get(B),
        ...set(C),
      ]),
    ]),
    ...get(Y),
    RETURN,
  ];
  const body = [
    ...i32(0),
    ...set(Y),
    ...L.block('done', () =>
      L.loop('row', () => [
        ...get(Y),
        ...get(H),
        I32_GE_S,
        ...L.brIf('done'),
        ...get(SRC),
        ...get(Y),
        ...get(W),
        ...i32(1),
        I32_ADD,
        I32_MUL,
        I32_ADD,
        ...i32(1),
        I32_ADD,
        ...set(S),
        ...get(DST),
        ...get(Y),
        ...get(W),
        I32_MUL,
        I32_ADD,
        ...set(D),
        // The row above, or the zero row for the first: then Up adds nothing and Paeth is Sub.
        ...get(ZERO),
        ...get(D),
        ...get(W),
        I32_SUB,
        ...get(Y),
        I32_EQZ,
        SELECT,
        ...set(U),
        ...i32(0),
        ...set(A),
        ...i32(0),
        ...set(C),
        ...L.block('next', filters),
        ...get(Y),
        ...i32(1),
        I32_ADD,
        ...set(Y),
        ...L.br('row'),
      ]),
    ),
    ...i32(-1),
  ];
  return moduleBytes('unfilter', [I32, I32, I32, I32, I32], [[13, I32]], body, 'unshared', [I32]);
}

/**
 * moduleCode()'s bytes, base64 (a test checks that they agree). Assembling them in a new worker,
 * before its code is optimized, took ~3 ms of its first batch; decoding these takes ~0.02.
 */
const MODULE_BASE64 =
  'AGFzbQEAAAABCgFgBX9/f39/AX8CDwEDZW52Bm1lbW9yeQIAAAMCAQAHDAEIdW5maWx0ZXIAAAr4AwH1AwENf0EAIQUCQANA' +
  'IAUgBE4NASAAIAUgA0EBamxqQQFqIQYgASAFIANsaiEHIAIgByADayAFRRshCEEAIQpBACEMAkACQAJAAkACQAJAAkAgBkEB' +
  'ay0AAA4FAAECAwQFC0EAIQkCQANAIAkgA04NASAHIAlqIAYgCWotAAA6AAAgCUEBaiEJDAALCwwFC0EAIQkCQANAIAkgA04N' +
  'ASAGIAlqLQAAIApqQf8BcSEKIAcgCWogCjoAACAJQQFqIQkMAAsLDAQLQQAhCQJAA0AgCSADTg0BIAcgCWogBiAJai0AACAI' +
  'IAlqLQAAajoAACAJQQFqIQkMAAsLDAMLQQAhCQJAA0AgCSADTg0BIAYgCWotAAAgCiAIIAlqLQAAakEBdmpB/wFxIQogByAJ' +
  'aiAKOgAAIAlBAWohCQwACwsMAgtBACEJAkADQCAJIANODQEgCCAJai0AACELIAsgDGshDSANIA1BH3UiDnMgDmshDyAKIAxr' +
  'IQ0gDSANQR91Ig5zIA5rIRAgCiALaiAMayAMayENIA0gDUEfdSIOcyAOayERIAogCyAMIBAgEUwbIA8gEEwgDyARTHEbIAYg' +
  'CWotAABqQf8BcSEKIAcgCWogCjoAACALIQwgCUEBaiEJDAALCwwBCyAFDwsgBUEBaiEFDAALC0F/Cw==';

type Unfilter = (src: number, dst: number, zero: number, width: number, height: number) => number;

interface Layout {
  width: number;
  height: number;
  src: number;
  dst: number;
  /** The filtered data, where inflate writes: (width + 1) · height bytes and a spare one. */
  input: Uint8Array;
}

let kernel: { memory: WebAssembly.Memory; unfilter: Unfilter } | null | undefined;
let layout: Layout | undefined;

function load(): typeof kernel {
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(MODULE_BASE64, 'base64')), { env: { memory } });
    return { memory, unfilter: instance.exports.unfilter as Unfilter };
  } catch {
    return null; // no WebAssembly here (node --jitless): png-direct.ts keeps to its JS loop
  }
}

/**
 * The buffer inflate should write a width x height gray image's data into, in the module's
 * memory; undefined where WebAssembly is unavailable. Valid until the next call.
 */
export function grayInput(width: number, height: number): Uint8Array | undefined {
  kernel ??= load();
  if (!kernel) return undefined;
  if (layout?.width === width && layout.height === height) return layout.input;
  const src = (width + 7) & ~7;
  const need = (width + 1) * height + 1;
  const dst = src + ((need + 7) & ~7);
  const bytes = dst + width * height;
  const pages = Math.ceil(bytes / 65536) - kernel.memory.buffer.byteLength / 65536;
  if (pages > 0) kernel.memory.grow(pages);
  new Uint8Array(kernel.memory.buffer, 0, src).fill(0); // the zero row, where an earlier, smaller layout had data
  layout = { width, height, src, dst, input: new Uint8Array(kernel.memory.buffer, src, need) };
  return layout.input;
}

/** Reverses the filters of the data in grayInput(width, height) into `out` at `offset`. */
export function unfilterGrayWasm(width: number, height: number, out: Uint8Array, offset: number): void {
  const { src, dst } = layout!;
  const bad = kernel!.unfilter(src, dst, 0, width, height);
  if (bad >= 0) throw new DecodeError(`PNG row ${bad} has unknown filter type ${layout!.input[bad * (width + 1)]}`);
  out.set(new Uint8Array(kernel!.memory.buffer, dst, width * height), offset);
}
