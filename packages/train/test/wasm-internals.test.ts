/**
 * tfjs-wasm's private backend fields that the SIMD kernels and readInto use (wasm-internals.ts).
 * When a tfjs update moves them, training still runs, on tfjs's slow kernels: this test is what says so.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/backend.ts';
import { wasmView } from '../src/kernels/wasm-internals.ts';

await selectBackend('wasm');

test('tfjs-wasm still exposes its memory, heap view, tensor offsets and makeOutput, and they agree with dataSync', () => {
  const view = wasmView(tf.backend());
  assert.ok(view, 'tfjs-wasm internals changed: wasm.asm.memory, wasm.HEAPF32, dataIdMap or makeOutput is gone (see wasm-internals.ts)');
  assert.equal(view.heapF32().buffer, view.memory.buffer, 'HEAPF32 is a view of the module memory');
  const t = tf.tensor1d([1.5, -2, 3.25, 1e-3]);
  const offset = view.offsetOf(t.dataId);
  assert.ok(offset !== undefined && offset % 4 === 0, `tensor offset ${offset}`);
  assert.deepEqual(Array.from(view.heapF32().subarray(offset / 4, offset / 4 + 4)), Array.from(t.dataSync()));
  const out = view.makeOutput([2, 3], 'float32');
  const outOffset = view.offsetOf(out.dataId);
  assert.ok(outOffset !== undefined, 'makeOutput allocates in the module memory');
  view.heapF32().fill(7, outOffset / 4, outOffset / 4 + 6);
  const made = tf.engine().makeTensorFromTensorInfo(out);
  assert.deepEqual(Array.from(made.dataSync()), [7, 7, 7, 7, 7, 7]);
  tf.dispose([t, made]);
});
