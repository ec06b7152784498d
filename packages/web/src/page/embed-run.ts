/**
 * Embeds a list of image files in batches: the browser reads (and decodes) batch k+1 while the
 * model runs batch k. Files the browser cannot decode are skipped and listed, as `embed` does.
 */

import { DEFAULT_BATCH } from './embed-batch.ts';
import type { FileProblem } from './file-problems.ts';
import { ImageDecoder } from './image-decode.ts';
import type { PageSession } from './ort-runtime.ts';
import { emptyPointSet, type PointSet } from './point-set.ts';
import { bestCluster, ColourMismatchError, type ImageModelInfo, type ModelInfo, type PointOutputs } from './shared.ts';
import { type ImageItem, type ImageRef, imageBlob } from './tar-shards.ts';

export interface EmbedProgress {
  done: number;
  total: number;
  seconds: number;
}

export interface EmbedResult {
  points: PointSet;
  failed: FileProblem[];
  /** Wall time, decoding included. */
  seconds: number;
  /** Time inside session.run. */
  modelSeconds: number;
  /** Images decoded by the direct PNG path (image-decode.ts), not the browser. */
  direct: number;
}

interface DecodedBatch {
  pixels: Uint8Array;
  /** The images that decoded, in order; their images are packed in `pixels`. */
  ok: ImageItem[];
  failed: FileProblem[];
  direct: number;
}

/**
 * Reads and decodes a batch: every file's read is requested at once (the browser's file threads
 * work through them while the model runs the previous batch), and each decodes as its bytes come.
 */
async function decodeBatch(files: ImageItem[], decoder: ImageDecoder): Promise<DecodedBatch> {
  const size = decoder.size;
  const pixels = new Uint8Array(files.length * size);
  const settled = await Promise.allSettled(
    files.map(async (f, i) => decoder.decodeInto(f.bytes ?? new Uint8Array(await imageBlob(f.ref).arrayBuffer()), pixels, i * size)),
  );
  const ok: ImageItem[] = [];
  const failed: DecodedBatch['failed'] = [];
  let direct = 0;
  settled.forEach((r, i) => {
    const path = files[i]!.path;
    if (r.status === 'fulfilled') {
      // Packs the decoded images in file order, over the slots of the files that failed.
      if (ok.length !== i) pixels.copyWithin(ok.length * size, i * size, (i + 1) * size);
      ok.push(files[i]!);
      if (r.value) direct++;
    } else if (r.reason instanceof ColourMismatchError) failed.push({ path, reason: r.reason.message, colour: true });
    else failed.push({ path, reason: `the browser cannot decode it (${(r.reason as Error)?.message ?? r.reason})` });
  });
  return { pixels: pixels.subarray(0, ok.length * size), ok, failed, direct };
}

/** Adds a run's outputs for `paths` (and their images, for thumbnails) to the end of `set`. */
export function appendOutputs(set: PointSet, paths: string[], out: PointOutputs, info: ModelInfo, files?: ImageRef[]): void {
  const n = info.clusters;
  const d = set.styleDim;
  for (let i = 0; i < paths.length; i++) {
    const j = set.count + i;
    const best = bestCluster(out.clusterProb, i, n);
    set.xy[2 * j] = out.point[2 * i]!;
    set.xy[2 * j + 1] = out.point[2 * i + 1]!;
    set.cluster[j] = best;
    set.confidence[j] = out.clusterProb[i * n + best]!;
    set.style.set(out.style.subarray(i * d, (i + 1) * d), j * d);
    set.paths.push(paths[i]!);
    if (files) set.files!.push(files[i]!);
  }
  set.count += paths.length;
}

export async function embedImages(
  images: ImageItem[],
  session: PageSession,
  info: ImageModelInfo,
  onProgress: (p: EmbedProgress) => void,
  convertColour = false,
  batchSize = DEFAULT_BATCH,
): Promise<EmbedResult> {
  const decoder = new ImageDecoder(info.width, info.height, info.channels, convertColour);
  const points = emptyPointSet(images.length, info.styleDim);
  points.files = [];
  const failed: EmbedResult['failed'] = [];
  const start = performance.now();
  let modelMs = 0;
  let direct = 0;
  const slice = (k: number) => images.slice(k * batchSize, (k + 1) * batchSize);
  const batches = Math.ceil(images.length / batchSize);
  let next = batches > 0 ? decodeBatch(slice(0), decoder) : undefined;
  for (let k = 0; k < batches; k++) {
    const cur = await next!;
    next = k + 1 < batches ? decodeBatch(slice(k + 1), decoder) : undefined;
    failed.push(...cur.failed);
    direct += cur.direct;
    if (cur.ok.length > 0) {
      const t = performance.now();
      const out = await session.run(cur.pixels, cur.ok.length);
      modelMs += performance.now() - t;
      appendOutputs(
        points,
        cur.ok.map((f) => f.path),
        out,
        info,
        cur.ok.map((f) => f.ref),
      );
    }
    onProgress({ done: Math.min(images.length, (k + 1) * batchSize), total: images.length, seconds: (performance.now() - start) / 1000 });
  }
  return { points, failed, seconds: (performance.now() - start) / 1000, modelSeconds: modelMs / 1000, direct };
}
