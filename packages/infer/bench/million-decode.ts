/**
 * The decode-only baseline of bench:million (million-bench.ts), run as its own process for its
 * peak RSS: embed's decode stage (the same worker start, walk, batches and decoding) on a folder,
 * without the model. Prints `<n> files/s`.
 */
import { DecodePool } from '../src/decode-pool.ts';
import { decodeInOrder } from '../src/pipeline.ts';
import { DEFAULT_BATCH, defaultThreads } from '../src/thread-split.ts';

const input = process.argv[2]!;
const t = performance.now();
const pool = new DecodePool(defaultThreads().workers);
let files = 0;
try {
  await decodeInOrder({ input, after: undefined, batch: DEFAULT_BATCH, width: 28, height: 28 }, pool, (_b, r) => {
    files += r.ok.length;
  });
} finally {
  await pool.close();
}
console.log(`decoded ${files} files, ${Math.round(files / ((performance.now() - t) / 1000))} files/s`);
