/** The eval.json schema, and the table the CLI prints from it. */
import type { DataSetInfo } from './datasets.ts';
import type { ClusterUsage } from './metrics/cluster-usage.ts';
import type { HeadAlignment } from './metrics/heads.ts';

export const REPORT_SCHEMA = 'aae-map-eval';
export const REPORT_VERSION = 1;

/** One way of turning clusters into class labels, and the test error it gives. */
export interface ClusterLabelling {
  /** Fraction of test images whose cluster's label is wrong, 0..1. */
  error: number;
  /** The label given to each cluster. */
  clusterLabels: number[];
}

/**
 * eval.json. Errors and accuracies are fractions in 0..1; a metric that is undefined for the
 * data (e.g. silhouette with a single label) is null.
 */
export interface EvalReport {
  schema: typeof REPORT_SCHEMA;
  version: typeof REPORT_VERSION;
  createdAt: string;
  model: {
    source: 'run' | 'model';
    /** The run directory or the ONNX file. */
    path: string;
    clusters: number;
    styleDim: number;
    mode: 'nd' | '2d';
    dataset: string;
    classNames: string[];
    /** Labelled training images of the run (0 = unsupervised); null when only the ONNX file is known. */
    labelsUsed: number | null;
    epochs: number | null;
    /** onnxruntime execution provider that ran the graph. */
    provider: string;
  };
  data: {
    test: DataSetInfo;
    /** The training images that kNN and the cluster→label rules are fitted on. */
    fit: DataSetInfo;
  };
  classification: {
    /**
     * Which variant `error` repeats: 'direct' for a model whose clusters are its classes and that
     * was trained with labels (or may have been: --model), else 'mostConfident'.
     */
    primary: 'direct' | 'mostConfident';
    error: number;
    /** Cluster k = class k; null unless the model has as many clusters as the data has classes. */
    direct: { error: number } | null;
    /** Each cluster takes the label of its most confident fit image (the AAE paper's rule). */
    mostConfident: ClusterLabelling;
    /** Each cluster takes the commonest label of the fit images assigned to it. */
    majority: ClusterLabelling & { emptyClusters: number[] };
  };
  /** How the test images spread over the clusters (argmax y), with each cluster's commonest true label. */
  clusters: ClusterUsage;
  /**
   * Per class, the distance from its median test point to its head over the spacing of that head
   * from its nearest other head, under the primary labelling (see metrics/heads.ts).
   */
  heads: HeadAlignment;
  /** kNN vote accuracy in the 2-D map, fitted on the fit set's points, scored on the test set's. */
  knn: { k1: number; k5: number };
  /**
   * Between raw pixels and the 2-D map, over the test set; withinClasses is the share of its
   * penalty on pairs of the same true class (null when there is none): the arrangement within
   * classes, against points placed among another class.
   */
  trustworthiness: { k: number; value: number; withinClasses: number | null };
  /** Of the test set's 2-D points under the true labels (Euclidean), -1..1. */
  silhouette: number | null;
  /** Wall time of each stage. */
  seconds: { embed: number; classification: number; knn: number; trustworthiness: number; silhouette: number; total: number };
}

const pct = (v: number | null) => (v === null || Number.isNaN(v) ? 'n/a' : `${(100 * v).toFixed(2)}%`);
const num = (v: number | null) => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(4));

const unit = (set: DataSetInfo) => (set.dim === undefined ? 'images' : 'vectors');

/** A plain-text table of the report, with the primary error marked. */
export function formatReport(r: EvalReport): string {
  const c = r.classification;
  const m = r.model;
  const labels = m.labelsUsed === null ? 'labels unknown' : m.labelsUsed === 0 ? 'unsupervised' : `${m.labelsUsed} labels`;
  const epochs = m.epochs === null ? '' : `, ${m.epochs} epochs`;
  const mark = (v: 'direct' | 'mostConfident') => (c.primary === v ? '  <- primary' : '');
  const rows: Array<[string, string]> = [];
  if (c.direct) rows.push(['classification error, cluster k = class k', pct(c.direct.error) + mark('direct')]);
  rows.push(
    ['classification error, most-confident fit image per cluster', pct(c.mostConfident.error) + mark('mostConfident')],
    ['classification error, majority label per cluster', pct(c.majority.error)],
    ...headRows(r.heads, m.classNames),
    ['1-NN accuracy in 2-D', num(r.knn.k1)],
    ['5-NN accuracy in 2-D', num(r.knn.k5)],
    [`trustworthiness (k = ${r.trustworthiness.k})`, num(r.trustworthiness.value)],
    ['  its penalty within classes', pct(r.trustworthiness.withinClasses)],
    ['silhouette (true labels)', num(r.silhouette)],
  );
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `${m.source} ${m.path}: ${m.mode === 'nd' ? `${m.clusters}-D` : '2-D'} mode, ${m.clusters} clusters, ${labels}${epochs}`,
    `test: ${r.data.test.count} ${unit(r.data.test)} of ${r.data.test.name}; fit: ${r.data.fit.count} ${unit(r.data.fit)} of ${r.data.fit.name}`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    ...usageLines(r.clusters, m.classNames),
    `  time: ${r.seconds.total.toFixed(1)} s (embed ${r.seconds.embed.toFixed(1)}, trustworthiness ${r.seconds.trustworthiness.toFixed(1)})`,
  ].join('\n');
}

/** A class by the model's name for it, else its index. */
const className = (names: string[], cls: number) => names[cls] ?? String(cls);

function headRows(h: HeadAlignment, classNames: string[]): Array<[string, string]> {
  const worst = h.perClass.find((c) => c.ratio === h.max);
  const rows: Array<[string, string]> = [
    ['head distance / spacing, mean over classes', num(h.mean)],
    ['head distance / spacing, max', worst ? `${num(h.max)}  (class ${className(classNames, worst.cls)}, head ${worst.cluster})` : 'n/a'],
  ];
  if (h.withoutHead.length)
    rows.push(['classes no cluster is labelled with', h.withoutHead.map((c) => className(classNames, c)).join(', ')]);
  return rows;
}

/** The cluster histogram, five clusters a line: "k: images → commonest class (purity)". */
function usageLines(u: ClusterUsage, classNames: string[]): string[] {
  const used = u.counts.length - u.empty.length;
  const cells = u.counts.map((n, k) => {
    const cls = u.majorityClass[k]!;
    const what = n === 0 ? 'empty' : `${className(classNames, cls)} ${Math.round(100 * u.purity[k]!)}%`;
    return `${String(k).padStart(3)}: ${String(n).padStart(5)} ${what.padEnd(9)}`;
  });
  const lines = [
    `  clusters (test images by argmax y, commonest class, its share): ${used} of ${u.counts.length} used; mean max q(y|x) ${num(u.meanConfidence)}`,
  ];
  for (let i = 0; i < cells.length; i += 5) lines.push(`  ${cells.slice(i, i + 5).join(' ')}`.trimEnd());
  return lines;
}
