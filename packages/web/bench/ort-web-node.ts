/**
 * One measurement for `pnpm bench:ort-web`, in its own process because onnxruntime-web reads its
 * thread count once: `session.run` of MODEL in Node's onnxruntime-web (`ort.node.min.mjs`, the
 * plain wasm module). Args: model threads batch runs. Prints {rate, perCpuSecond} as JSON.
 */
import * as ort from 'onnxruntime-web';
import { benchInput, INPUT_NAME, WARM_UP_RUNS } from './ort-web-input.ts';

const [model, threads, batch, runs] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
ort.env.wasm.numThreads = threads;
const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
const x = benchInput(batch);
for (let i = 0; i < WARM_UP_RUNS; i++) await session.run({ [INPUT_NAME]: new ort.Tensor('uint8', x, [batch, 28, 28]) });
const t = performance.now();
const cpu = process.cpuUsage();
for (let i = 0; i < runs; i++) await session.run({ [INPUT_NAME]: new ort.Tensor('uint8', x, [batch, 28, 28]) });
const used = process.cpuUsage(cpu);
const images = batch * runs;
console.log(JSON.stringify({ rate: images / ((performance.now() - t) / 1000), perCpuSecond: images / ((used.user + used.system) / 1e6) }));
await session.release();
