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

  /** [name, shape, values] triples, as `packTensors` takes them. */
  entries(): Array<[string, number[], Float32Array]> {
    return this.specs.map(([n, s]) => [n, s, this.view(n)]);
  }
}
