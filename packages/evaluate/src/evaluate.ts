/** `evaluate`: scores an exported model (or a run, exported on the fly) on held-out images. */
import type { Device } from '@aae-map/infer';
import { MNIST_NAME, type ModelInfo, Progress, UserError, writeFileAtomic } from '@aae-map/shared';
import { defaultFitData, finishSets, type LoadedSet, type PendingSet, startSet } from './datasets.ts';
import { embedSet } from './embed-set.ts';
import { argmaxRows, clusterError, identityLabels, labelsByMajority, labelsByMostConfident } from './metrics/classification.ts';
import { clusterUsage } from './metrics/cluster-usage.ts';
import { headAlignment } from './metrics/heads.ts';
import { knnAccuracy2d } from './metrics/knn.ts';
import { silhouette2d } from './metrics/silhouette.ts';
import { penaltyWithinLabels, trustworthinessParts } from './metrics/trustworthiness.ts';
import { openSource } from './model-source.ts';
import { type EvalReport, REPORT_SCHEMA, REPORT_VERSION } from './report.ts';

export interface EvaluateOptions {
  /** Training run directory, exported to a temporary ONNX file. @default the latest run under `runsDir` (when `model` is not given) */
  run?: string;
  /** An exported ONNX model, instead of `run`. */
  model?: string;
  /** Where to look for the latest run. @default 'runs' */
  runsDir?: string;
  /**
   * The test set: an IDX image file (gzip or not) and its labels (default: the file named like it
   * with images→labels); a folder holding an IDX set (its t10k files); a folder of images with one
   * subfolder per class (no `testLabels`; decoded at the model's size, gray or RGB); or feature
   * vectors (.npy, .csv or .parquet) and their labels. @default MNIST's 10k test set
   */
  testImages?: string;
  testLabels?: string;
  /**
   * The same for the set that kNN and the cluster labelling are fitted on (an IDX folder: its
   * train files). @default the train half of `testImages`' IDX folder, else MNIST's 60k training
   * set; required with an image folder or feature vectors as `testImages`
   */
  fitImages?: string;
  fitLabels?: string;
  /** Keep only the first `limit` test images (of a folder, `limit` spread evenly over it). @default all */
  limit?: number;
  /** Keep only the first `fitLimit` fit images (as `limit`). @default all */
  fitLimit?: number;
  /** onnxruntime device; the cpu embeds 70k MNIST images in under a second. @default 'cpu' */
  device?: Device;
  /** Intra-op threads; 0 lets onnxruntime choose. @default 0 */
  threads?: number;
  /** Images per model call. @default 1024 */
  batch?: number;
  /** Where to write eval.json. @default `<run>/eval.json`, or `<model>.eval.json` beside the model */
  out?: string;
  /** Progress bars on stderr. @default true */
  progress?: boolean;
  /** Image folders: convert images whose colour differs from the model's instead of refusing the run (shared's decode/colour.ts). @default false */
  convertColour?: boolean;
}

/** Neighbourhood size of trustworthiness, as in the Parametric UMAP paper. */
export const TRUST_K = 5;

export async function evaluate(opts: EvaluateOptions = {}): Promise<{ report: EvalReport; outFile: string }> {
  const t0 = performance.now();
  for (const [flag, v] of [
    ['--limit', opts.limit],
    ['--train-limit', opts.fitLimit],
    ['--batch', opts.batch],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new UserError(`${flag} must be a positive integer, got ${v}`);
  }
  const pending = [
    await startSet(
      { images: opts.testImages, labels: opts.testLabels, limit: opts.limit, flag: { images: '--data', labels: '--data-labels' } },
      'test',
    ),
    await startSet(
      {
        images: opts.fitImages ?? (await defaultFitData(opts.testImages)),
        labels: opts.fitLabels,
        limit: opts.fitLimit,
        flag: { images: '--train-data', labels: '--train-labels' },
      },
      'train',
    ),
  ];
  if ('folder' in pending[0]! && opts.fitImages === undefined)
    throw new UserError(
      `--data ${opts.testImages} is an image folder; give the training images to fit kNN and the cluster labels on with --train-data`,
    );
  checkCounts(pending);

  const src = await openSource({
    run: opts.run,
    model: opts.model,
    runsDir: opts.runsDir ?? 'runs',
    device: opts.device ?? 'cpu',
    threads: opts.threads ?? 0,
  });
  try {
    const info = src.model.info;
    checkDefaultData(opts.testImages, info.dataset, src.path);
    const show = opts.progress ?? true;
    const [test, fit] = (await finishSets(pending, info, show, opts.convertColour ?? false)) as [LoadedSet, LoadedSet];
    checkCounts([test, fit]);
    const bar = (total: number, unit: string, label: string) => (show ? new Progress({ total, unit, label }) : undefined);

    let t = performance.now();
    const embedBar = bar(test.info.count + fit.info.count, 'images', 'embed');
    const batch = opts.batch ?? 1024;
    const testOut = await embedSet(src.model, test.data, batch, embedBar);
    const fitOut = await embedSet(src.model, fit.data, batch, embedBar);
    embedBar?.finish();
    const seconds = { embed: lap(), classification: 0, knn: 0, trustworthiness: 0, silhouette: 0, total: 0 };

    const classification = scoreClassification(
      testOut.clusterProb,
      fitOut.clusterProb,
      test.data.labels,
      fit.data.labels,
      info,
      src.labelsUsed,
    );
    const primaryLabels = classification.primary === 'direct' ? identityLabels(info.clusters) : classification.mostConfident.clusterLabels;
    const heads = headAlignment(testOut.points, test.data.labels, info.heads2d, primaryLabels);
    const clusters = clusterUsage(
      testOut.clusterProb,
      argmaxRows(testOut.clusterProb, info.clusters),
      test.data.labels,
      info.clusters,
      classCount(test.data.labels, fit.data.labels),
    );
    seconds.classification = lap();

    const knn = {
      k1: knnAccuracy2d(fitOut.points, fit.data.labels, testOut.points, test.data.labels, 1),
      k5: knnAccuracy2d(fitOut.points, fit.data.labels, testOut.points, test.data.labels, 5),
    };
    seconds.knn = lap();

    // Raw 0..255 pixels: an affine rescaling to the model's [-1, 1] input leaves every rank unchanged.
    // Feature vectors are taken as given, before the model's standardisation (which is per feature).
    let trustBar: Progress | undefined;
    let reported = 0;
    const trust = trustworthinessParts(Float32Array.from(test.data.values), test.data.dim, testOut.points, {
      k: TRUST_K,
      onProgress: (done, total) => {
        trustBar ??= bar(total, 'pairs', 'trustworthiness');
        trustBar?.tick(done - reported);
        reported = done;
      },
    });
    trustBar?.finish();
    seconds.trustworthiness = lap();
    const sil = silhouette2d(testOut.points, test.data.labels);
    seconds.silhouette = lap();
    seconds.total = (performance.now() - t0) / 1000;

    const report: EvalReport = {
      schema: REPORT_SCHEMA,
      version: REPORT_VERSION,
      createdAt: new Date().toISOString(),
      model: {
        source: src.kind,
        path: src.path,
        clusters: info.clusters,
        styleDim: info.styleDim,
        mode: info.mode,
        dataset: info.dataset,
        classNames: info.classNames,
        labelsUsed: src.labelsUsed,
        epochs: src.epochs,
        provider: src.model.provider,
      },
      data: { test: test.info, fit: fit.info },
      classification,
      clusters,
      heads,
      knn,
      trustworthiness: { k: TRUST_K, value: trust.value, withinClasses: penaltyWithinLabels(trust, test.data.labels) },
      silhouette: Number.isNaN(sil) ? null : sil,
      seconds,
    };
    const outFile = opts.out ?? src.defaultOut;
    await writeFileAtomic(outFile, `${JSON.stringify(report, null, 2)}\n`);
    return { report, outFile };

    function lap(): number {
      const now = performance.now();
      const s = (now - t) / 1000;
      t = now;
      return s;
    }
  } finally {
    await src.close();
  }
}

/** The smallest sets the metrics are defined on; checked on the sets already read (`pending` holds folders too). */
function checkCounts([test, fit]: PendingSet[]): void {
  if (test && 'data' in test && test.info.count <= 2 * TRUST_K)
    throw new UserError(
      `trustworthiness (k = ${TRUST_K}) needs more than ${2 * TRUST_K} test images; ${test.info.images} gives ${test.info.count}`,
    );
  if (fit && 'data' in fit && fit.info.count < 5)
    throw new UserError(`5-NN needs at least 5 fit images; ${fit.info.images} gives ${fit.info.count}`);
}

/** The three cluster→label variants of the classification error (see EvalReport). */
function scoreClassification(
  testProb: Float32Array,
  fitProb: Float32Array,
  testLabels: Int32Array,
  fitLabels: Int32Array,
  info: ModelInfo,
  labelsUsed: number | null,
): EvalReport['classification'] {
  const n = info.clusters;
  const testCluster = argmaxRows(testProb, n);
  const classes = classCount(testLabels, fitLabels);
  const confident = labelsByMostConfident(fitProb, n, fitLabels);
  const majority = labelsByMajority(argmaxRows(fitProb, n), fitLabels, n, classes, confident);
  const direct = n === classes ? { error: clusterError(testCluster, identityLabels(n), testLabels) } : null;
  const mostConfident = { error: clusterError(testCluster, confident, testLabels), clusterLabels: Array.from(confident) };
  // An unsupervised run's cluster k has no reason to be class k, even when n = classes.
  const primary = direct && labelsUsed !== 0 ? 'direct' : 'mostConfident';
  return {
    primary,
    error: primary === 'direct' ? direct!.error : mostConfident.error,
    direct,
    mostConfident,
    majority: {
      error: clusterError(testCluster, majority.clusterLabels, testLabels),
      clusterLabels: Array.from(majority.clusterLabels),
      emptyClusters: majority.emptyClusters,
    },
  };
}

/** Labels are 0..classes − 1 in both sets. */
function classCount(testLabels: Int32Array, fitLabels: Int32Array): number {
  let m = 0;
  for (const labels of [testLabels, fitLabels]) for (const l of labels) m = Math.max(m, l);
  return m + 1;
}

/**
 * Without --data the model is scored on MNIST: refuse a model trained on another set (its name
 * is in the model's metadata), whose MNIST figures would be silently meaningless.
 */
function checkDefaultData(testImages: string | undefined, dataset: string, path: string): void {
  if (testImages !== undefined || dataset === '' || dataset === MNIST_NAME) return;
  throw new UserError(
    `${path} was trained on ${dataset}, and without --data it would be scored on MNIST; pass --data with ${dataset}'s test images (for an IDX set, its folder)`,
  );
}
