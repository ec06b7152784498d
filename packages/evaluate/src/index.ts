/**
 * Scores a trained model on held-out labelled images with the metrics of the AAE paper and of
 * Parametric UMAP (Sainburg et al. 2021): classification error of the cluster head, kNN accuracy
 * in the 2-D map, trustworthiness between pixels and the map, the map's silhouette, and how
 * well each class sits on its cluster head. It runs the exported ONNX graph, so the numbers
 * describe what `embed` deploys. The metrics are pure functions on typed arrays, usable on
 * their own.
 */
export { type EvaluateOptions, evaluate, TRUST_K } from './evaluate.ts';
export {
  argmaxRows,
  clusterError,
  identityLabels,
  labelCounts,
  labelsByMajority,
  labelsByMostConfident,
} from './metrics/classification.ts';
export { type ClusterUsage, clusterUsage } from './metrics/cluster-usage.ts';
export { type ClassHead, classMedians, type HeadAlignment, headAlignment, median } from './metrics/heads.ts';
export { knnAccuracy2d, nearestNeighbours2d } from './metrics/knn.ts';
export { silhouette2d } from './metrics/silhouette.ts';
export {
  penaltyWithinLabels,
  type TrustworthinessOptions,
  type TrustworthinessParts,
  trustworthiness,
  trustworthinessParts,
} from './metrics/trustworthiness.ts';
export { type EvalReport, formatReport, REPORT_SCHEMA, REPORT_VERSION } from './report.ts';
