/**
 * tfjs-backend-webgpu's backend object beyond tfjs-core's types: running a hand-written WGSL
 * program (WebGPUProgram) with a chosen output tensor, and the adapter's description. The fused
 * Adam update (webgpu-adam.ts) writes the weights and moments in place, which no tfjs op does,
 * so it calls runWebGPUProgram rather than registering a kernel; the batch gather
 * (webgpu-batch.ts) runs its program the same way, into a new tensor. The counters below
 * (dispatches, reads, uploads) wrap the backend's methods. This is the one file that reaches
 * in; the GPU step's test (gpu-step.test.ts) fails loudly when a tfjs update moves them.
 *
 * It also relies on two behaviours of tfjs-backend-webgpu 4.22 that its types do not promise:
 * a program's output binding covers the tensor's whole GPU buffer (so one dispatch can update
 * several arrays packed in it), and a zero-copy tensor (tf.tensor({buffer, zeroCopy: true}))
 * uses the buffer as it is. The same test checks the Adam results that depend on both.
 */
import * as tf from '@tensorflow/tfjs-core';

/** What tfjs-backend-webgpu needs of a program (its WebGPUProgram interface, the parts used here). */
export interface WgslProgram {
  /** Names of the read-only input arrays, bound in this order. */
  variableNames: string[];
  outputShape: number[];
  /** Key of the compiled pipeline cache; tfjs appends the inputs' ranks and types. */
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Adds `uniforms.size` (the output's element count). */
  size: boolean;
  /** Extra fields of the uniform struct, e.g. 'lr : f32,'. */
  uniforms?: string;
  /** The WGSL after tfjs's header; defines `fn main(index : i32)` for a flat dispatch. */
  getUserCode(): string;
}

type Uniform = { type: 'float32' | 'int32'; data: number[] };

/** A GPUBuffer, typed as tfjs-core types it (Node code has no DOM or WebGPU types). */
export type GpuBuffer = tf.WebGPUData['buffer'];

interface Device {
  createBuffer(d: { size: number; usage: number }): GpuBuffer;
  queue: { writeBuffer(b: GpuBuffer, offset: number, data: Float32Array | Int32Array): void };
  limits: { maxStorageBufferBindingSize: number };
}

interface Internals {
  device?: Device;
  runWebGPUProgram?(
    program: WgslProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: Uniform[],
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
}

/** What the GPU step uses of a tfjs-webgpu backend. */
export interface WebgpuView {
  /** Records `program` writing into `output` (in place: it may read the output's buffer first). */
  runInPlace(program: WgslProgram, inputs: tf.TensorInfo[], output: tf.TensorInfo, uniforms: Uniform[]): void;
  /** Records `program` writing a new float32 tensor of its output shape. */
  run(program: WgslProgram, inputs: tf.TensorInfo[], uniforms: Uniform[]): tf.Tensor;
  /**
   * A new storage buffer holding `values`, for tf.tensor({ buffer, zeroCopy: true }). The write
   * reaches the GPU before any command tfjs records after this call.
   */
  bufferWith(values: Float32Array | Int32Array): GpuBuffer;
  /** The largest buffer one program may bind, in bytes. */
  maxBindingBytes: number;
}

// WebGPU's GPUBufferUsage flags (fixed by the spec): tfjs wants STORAGE | COPY_SRC, and writeBuffer COPY_DST.
const STORAGE_COPY_SRC_DST = 0x80 | 0x04 | 0x08;

const views = new WeakMap<object, WebgpuView>();

/** The backend's internals, or undefined when it is not tfjs-webgpu (or tfjs-webgpu changed them). */
export function webgpuView(backend: tf.KernelBackend): WebgpuView | undefined {
  const cached = views.get(backend);
  if (cached) return cached;
  const b = backend as unknown as Internals;
  const { runWebGPUProgram: run, device } = b;
  if (typeof run !== 'function' || typeof device?.createBuffer !== 'function' || !device.limits) return undefined;
  const view: WebgpuView = {
    maxBindingBytes: device.limits.maxStorageBufferBindingSize,
    bufferWith: (values) => {
      const buffer = device.createBuffer({ size: values.byteLength, usage: STORAGE_COPY_SRC_DST });
      device.queue.writeBuffer(buffer, 0, values);
      return buffer;
    },
    // Looked up at each call, so that countDispatches sees these dispatches too.
    runInPlace: (program, inputs, output, uniforms) => {
      b.runWebGPUProgram!(program, inputs, output.dtype, uniforms, output);
    },
    run: (program, inputs, uniforms) => tf.engine().makeTensorFromTensorInfo(b.runWebGPUProgram!(program, inputs, 'float32', uniforms)),
  };
  views.set(backend, view);
  return view;
}

/** The same, or an error naming what changed: for callers that cannot fall back. */
export function requireWebgpuView(backend: tf.KernelBackend): WebgpuView {
  const view = webgpuView(backend);
  if (!view)
    throw new Error('the GPU training step needs tfjs-backend-webgpu 4.x (WebGPUBackend.runWebGPUProgram with an output argument)');
  return view;
}

/**
 * Counts the backend's GPU→host reads from now on, for the test that an iteration makes none:
 * read and readSync calls for data that is not already on the host (tfjs runs small ops on
 * host-resident inputs on the CPU and "reads" those without touching the GPU). Returns the
 * counter and a function that restores the methods.
 */
export function countReads(backend: tf.KernelBackend): { reads: () => number; restore: () => void } {
  const b = backend as unknown as Record<'read' | 'readSync', (id: object) => unknown> & {
    tensorMap?: { get(id: object): { values?: unknown } | undefined };
  };
  const own = { read: b.read, readSync: b.readSync };
  if (typeof own.read !== 'function' || typeof own.readSync !== 'function' || typeof b.tensorMap?.get !== 'function')
    throw new Error('tfjs-webgpu changed: no read/readSync methods or tensorMap');
  let n = 0;
  for (const k of ['read', 'readSync'] as const)
    b[k] = (id: object) => {
      if (b.tensorMap!.get(id)?.values == null) n++;
      return own[k].call(backend, id);
    };
  return {
    reads: () => n,
    restore: () => {
      b.read = own.read;
      b.readSync = own.readSync;
    },
  };
}

/** Counts the backend's program dispatches (runWebGPUProgram calls) from now on. */
export function countDispatches(backend: tf.KernelBackend): { dispatches: () => number; restore: () => void } {
  const b = backend as unknown as { runWebGPUProgram: (...a: unknown[]) => unknown };
  const own = b.runWebGPUProgram;
  let n = 0;
  b.runWebGPUProgram = (...a: unknown[]) => {
    n++;
    return own.apply(backend, a);
  };
  return {
    dispatches: () => n,
    restore: () => {
      b.runWebGPUProgram = own;
    },
  };
}

/**
 * Counts the bytes the backend sends to the GPU from now on: tensor values uploaded from the host
 * (uploadToGPU of data that is not on the GPU yet) and each dispatch's uniform block (makeUniforms).
 */
export function countUploads(backend: tf.KernelBackend): { data: () => number; uniforms: () => number; restore: () => void } {
  const b = backend as unknown as {
    uploadToGPU: (id: object) => void;
    makeUniforms: (u: unknown) => { size: number };
    tensorMap?: { get(id: object): { values?: ArrayBufferView | null; resource?: unknown } | undefined };
  };
  const own = { upload: b.uploadToGPU, uniforms: b.makeUniforms };
  if (typeof own.upload !== 'function' || typeof own.uniforms !== 'function' || typeof b.tensorMap?.get !== 'function')
    throw new Error('tfjs-webgpu changed: no uploadToGPU/makeUniforms methods or tensorMap');
  let [data, uniforms] = [0, 0];
  b.uploadToGPU = (id: object) => {
    const t = b.tensorMap!.get(id);
    if (t?.resource == null && t?.values) data += t.values.byteLength;
    own.upload.call(backend, id);
  };
  b.makeUniforms = (u: unknown) => {
    const binding = own.uniforms.call(backend, u);
    uniforms += binding.size;
    return binding;
  };
  return {
    data: () => data,
    uniforms: () => uniforms,
    restore: () => {
      b.uploadToGPU = own.upload;
      b.makeUniforms = own.uniforms;
    },
  };
}
