/**
 * One shared block of memory for a run's weights, optimizer slots and gradient buffers, carved
 * into 16-byte-aligned regions. It is a shared WebAssembly.Memory, so the SIMD kernels update
 * weights in place (simd-adam.ts), and worker
 * threads see the same bytes; a run too big for one wasm memory (4 GiB) gets a plain
 * SharedArrayBuffer and the JS code instead.
 */
import { FlatTensors, type TensorSpec } from '../kernels/flat-tensors.ts';
import { attachKernel } from '../kernels/simd-adam.ts';

const PAGE = 65536;
const MAX_PAGES = 65536;

/** What a worker thread needs to see the same arena (structured-cloneable). */
export interface ArenaHandle {
  memory?: WebAssembly.Memory;
  buffer?: SharedArrayBuffer;
}

export class SharedArena {
  readonly buffer: SharedArrayBuffer;
  private used = 0;

  private constructor(readonly handle: ArenaHandle) {
    if (handle.memory) {
      attachKernel(handle.memory);
    }
    this.buffer = (handle.memory?.buffer ?? handle.buffer) as SharedArrayBuffer;
  }

  /** A new arena of at least `bytes` bytes. */
  static create(bytes: number): SharedArena {
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    if (pages > MAX_PAGES) return new SharedArena({ buffer: new SharedArrayBuffer(bytes) });
    return new SharedArena({ memory: new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }) });
  }

  /** The same arena in another thread. */
  static attach(handle: ArenaHandle): SharedArena {
    return new SharedArena(handle);
  }

  /** Bytes needed for blocks of these float counts, with the alignment padding. */
  static bytesFor(floatCounts: number[]): number {
    return floatCounts.reduce((s, n) => s + align(4 * n), 0);
  }

  /** A fresh, zeroed region for `specs`' tensors. */
  tensors(specs: TensorSpec[]): FlatTensors {
    const bytes = 4 * FlatTensors.floats(specs);
    if (this.used + bytes > this.buffer.byteLength)
      throw new Error(`SharedArena: ${bytes} bytes do not fit (${this.used} of ${this.buffer.byteLength} used)`);
    const t = new FlatTensors(specs, this.buffer, this.used);
    this.used += align(bytes);
    return t;
  }

  /** The tensors at `byteOffset`, as placed by tensors() (in this or another thread). */
  at(specs: TensorSpec[], byteOffset: number): FlatTensors {
    return new FlatTensors(specs, this.buffer, byteOffset);
  }
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;
