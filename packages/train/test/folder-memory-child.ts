/**
 * Child process of folder-memory.test.ts: loads a folder and prints its resident-memory growth,
 * measured from after a warm-up load (modules, sharp and libvips started) to the process peak.
 * Usage: node --import tsx folder-memory-child.ts <folder> <warm-up folder> <cache dir>
 */
import { loadFolderDataset } from '@aae-map/train';

const [folder, warm, cacheDir] = process.argv.slice(2) as [string, string, string];
const quiet = { progress: false, log: () => {} };
// Gray, as the parent's figures assume: the colour JPEGs would otherwise be read as RGB (folder-channels.ts).
await loadFolderDataset({ folder: warm, testSplit: 0, channels: 1 }, quiet);
const before = process.memoryUsage().rss;
const t0 = performance.now();
const { dataset, train } = await loadFolderDataset({ folder, testSplit: 0, channels: 1 }, { ...quiet, cacheDir });
const peak = process.resourceUsage().maxRSS * 1024;
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({ before, peak, growth: peak - before, decoded: train.decoded, pixelBytes: dataset.train.pixels.length, seconds }),
);
