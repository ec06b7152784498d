/**
 * Named float32 tensors packed into one Float32Array, in a fixed order. The model's weights,
 * gradients and optimizer slots all use this layout, so they can be packed into a .bin file,
 * or placed in a SharedArrayBuffer, without per-tensor bookkeeping.
 */
import { size } from '@aae-map/shared';

export type TensorSpec = [name: string, shape: number[]];

export class FlatTensors {
  readonly names: string[];
  readonly data: Float32Array;
  private readonly offsets = new Map<string, number>();
  private readonly shapes = new Map<string, number[]>();

  constructor(
    readonly specs: TensorSpec[],
    buffer?: ArrayBufferLike,
    byteOffset = 0,
  ) {
    let total = 0;
    for (const [name, shape] of specs) {
      this.offsets.set(name, total);
      this.shapes.set(name, shape);
      total += size(shape);
    }
    this.names = specs.map(([n]) => n);
    this.data = buffer ? new Float32Array(buffer, byteOffset, total) : new Float32Array(total);
  }

  static floats(specs: TensorSpec[]): number {
    return specs.reduce((s, [, shape]) => s + size(shape), 0);
  }

  has(name: string): boolean {
    return this.offsets.has(name);
  }

  shape(name: string): number[] {
    const s = this.shapes.get(name);
    if (!s) throw new Error(`no tensor ${name}`);
    return s;
  }

  /** A live view of one tensor's values (writes go into `data`). */
  view(name: string): Float32Array {
    const o = this.offsets.get(name);
    if (o === undefined) throw new Error(`no tensor ${name}`);
    return this.data.subarray(o, o + size(this.shapes.get(name)!));
  }

  /**
   * Calls `f` for each tensor that overlaps elements [from, to) of the flat layout (all of it
   * without a range), with the overlap in that tensor's own indices: how two threads split one
   * update over the same tensors.
   */
  static forEachInRange(
    specs: TensorSpec[],
    range: { from: number; to: number } | undefined,
    f: (name: string, shape: number[], from: number, to: number) => void,
  ): void {
    let base = 0;
    for (const [name, shape] of specs) {
      const n = size(shape);
      const from = Math.max(0, (range?.from ?? 0) - base);
      const to = Math.min(n, (range?.to ?? Infinity) - base);
      if (from < to) f(name, shape, from, to);
      base += n;
    }
  }

  /** [name, shape, values] triples, as `packTensors` takes them. */
  entries(): Array<[string, number[], Float32Array]> {
    return this.specs.map(([n, s]) => [n, s, this.view(n)]);
  }
}
