/** Worker entry: decodes batches sent by DecodePool (decode-pool.ts), one message each. */
import { parentPort } from 'node:worker_threads';
import { decodeBatch, type DecodeJob } from '@aae-map/shared/decode';

const port = parentPort!;
port.on('message', async ({ id, job }: { id: number; job: DecodeJob }) => {
  try {
    const result = await decodeBatch(job);
    port.postMessage({ id, result }, [result.pixels.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({ id, error: (err as Error).stack ?? String(err) });
  }
});
port.postMessage({ ready: true });
