/**
 * The model-only baseline of bench:million (million-bench.ts), as its own process: the model
 * opened as embed opens it (cpu, embed's default onnxruntime threads, no spinning), run on
 * `count` images in batches of embed's size. Prints `<n> images/s` and the CPU time an image. The pixels are a fixed
 * pseudo-random pattern: the dense layers' cost does not depend on the values.
 */
import { openModel } from '../src/runtime.ts';
import { DEFAULT_BATCH, defaultThreads } from '../src/thread-split.ts';

const [model, countArg] = process.argv.slice(2);
const count = Number(countArg);
const m = await openModel(model!, { device: 'cpu', threads: defaultThreads().threads, spin: false });
if (m.info.inputKind !== 'image') throw new Error(`${model} does not take images`);
const size = m.info.width * m.info.height * m.info.channels;
const pixels = new Uint8Array(DEFAULT_BATCH * size).map((_, i) => (i * 2654435761) >>> 24);
await m.run(pixels, DEFAULT_BATCH); // warm-up
const cpu = process.cpuUsage();
const t = performance.now();
for (let done = 0; done < count; done += DEFAULT_BATCH) {
  const k = Math.min(DEFAULT_BATCH, count - done);
  await m.run(pixels.subarray(0, k * size), k);
}
const used = process.cpuUsage(cpu);
const perImage = (used.user + used.system) / count;
console.log(
  `ran ${count} images, ${Math.round(count / ((performance.now() - t) / 1000))} images/s, ${perImage.toFixed(1)} us CPU an image`,
);
await m.close();
