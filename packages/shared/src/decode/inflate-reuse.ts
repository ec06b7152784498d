/**
 * zlib inflate for many small streams. node's inflateSync builds and tears down a whole zlib
 * stream per call (a Duplex, ~40 KB of zlib state, a 16 KB output chunk): about 9 µs on a 28x28
 * PNG, and its garbage keeps V8's collector busy. This keeps one inflater per thread, resets it
 * between streams and writes straight into the caller's buffer: about 5 µs, no garbage.
 *
 * It drives the zlib binding behind node's stream (`_handle.writeSync`, what inflateSync itself
 * calls), which node does not document; where that is missing, it falls back to inflateSync.
 */
import { constants, createInflate, type Inflate, inflateSync } from 'node:zlib';

interface Binding {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  reset(): void;
}
/** The stream's internals: the binding, and [avail_out, avail_in] after each write. */
type Internals = Inflate & { _handle?: Binding | null; _writeState?: Uint32Array };

let stream: Internals | undefined;
let bindingWorks = true;

function open(): Internals | undefined {
  const s = createInflate() as Internals;
  // A zlib error destroys the stream and emits 'error' on a later tick; inflateInto has already thrown.
  s.on('error', () => undefined);
  if (typeof s._handle?.writeSync === 'function' && s._writeState instanceof Uint32Array) return s;
  bindingWorks = false;
  return undefined;
}

function viaInflateSync(input: Uint8Array, out: Uint8Array): number {
  const data = inflateSync(input);
  if (data.length > out.length) return -1;
  out.set(data);
  return data.length;
}

/** The thread's inflater, opened on first use; undefined where the binding is missing. */
function reusable(): Internals | undefined {
  if (bindingWorks) stream ??= open();
  return stream;
}

/** Whether inflateInto drives the zlib binding (true on the Node versions this was written for). */
export function usesZlibBinding(): boolean {
  return reusable() !== undefined;
}

/**
 * Inflates the zlib stream `input` into `out` and returns the bytes written, or -1 when the data
 * fills `out` (it may be longer). Throws zlib's error when the stream is corrupt or truncated.
 */
export function inflateInto(input: Uint8Array, out: Uint8Array): number {
  const s = reusable();
  if (!s) return viaInflateSync(input, out);
  s._handle!.writeSync(constants.Z_FINISH, input, 0, input.length, out, 0, out.length);
  if (!s._handle || s.destroyed) {
    // zlib failed, and node closed the stream: the next call opens another. inflateSync says why.
    stream = undefined;
    inflateSync(input);
    throw new Error('zlib could not inflate the data');
  }
  const availOut = s._writeState![0]!;
  s._handle.reset();
  return availOut === 0 ? -1 : out.length - availOut;
}
