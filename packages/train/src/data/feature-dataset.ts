/**
 * Feature vectors as a Dataset: a .npy, CSV or Parquet matrix [N, D] with labels from a .npy, CSV or Parquet file
 * (−1 or an empty cell is unlabelled), a test matrix or a held-out share of the labelled rows, and
 * class names from the labels CSV or a JSON list. The networks see each vector as a 1×D row; the
 * standardisation is fitted later, on the training rows the run uses (standardize.ts).
 */
import {
  type FeatureMatrix,
  featureSetName,
  numberedClassNames,
  readClassNames,
  readFeatures,
  readLabels,
  UserError,
} from '@aae-map/shared';
import type { Dataset, ImageSplit } from './dataset.ts';
import { DEFAULT_TEST_SPLIT } from './folder-files.ts';
import { heldOutIndices, splitOff } from './held-out.ts';

/** A run on feature vectors: what it stores so `--resume` reads them again. */
export interface FeatureFiles {
  /** [N, D] float16/float32/float64 .npy, a CSV of numbers, or a Parquet table. */
  features: string;
  /** One label per row (.npy, CSV or Parquet). @default none: every row is unlabelled */
  labels?: string;
  /** A JSON list of class names for numeric labels. @default '0', '1', … */
  classNames?: string;
  testFeatures?: string;
  testLabels?: string;
  /** Share of each class's labelled rows held out as the test set when `testFeatures` is not given. @default 0.1 */
  testSplit?: number;
}

export function isFeatureFiles(data: object | undefined): data is FeatureFiles {
  return data !== undefined && 'features' in data;
}

interface ReadSplit {
  matrix: FeatureMatrix;
  labels: Int32Array;
  names?: string[];
}

async function readSplit(features: string, labels: string | undefined): Promise<ReadSplit> {
  const matrix = await readFeatures(features);
  if (!labels) return { matrix, labels: new Int32Array(matrix.count).fill(-1) };
  const col = await readLabels(labels, matrix.count, features);
  return { matrix, labels: col.labels, names: col.classNames };
}

/** The class names: the labels CSV's names, the JSON list, or the label values. */
async function classNamesOf(f: FeatureFiles, train: ReadSplit, maxLabel: number): Promise<string[]> {
  if (train.names && f.classNames)
    throw new UserError(`${f.labels} names its classes, so --class-names ${f.classNames} has nothing to name; drop one of them`);
  if (train.names) return train.names;
  return f.classNames ? readClassNames(f.classNames, maxLabel) : numberedClassNames(maxLabel);
}

/** Test labels given as names, as indices into the training names. */
function remapNames(test: ReadSplit, classNames: string[], f: FeatureFiles): Int32Array {
  if (!test.names) return test.labels;
  const remap = test.names.map((name) => {
    const k = classNames.indexOf(name);
    if (k < 0)
      throw new UserError(`${f.testLabels} has a class '${name}' that ${f.labels} lacks; its classes must be among the training classes`);
    return k;
  });
  return test.labels.map((l) => (l < 0 ? -1 : remap[l]!));
}

const split = (s: ReadSplit, labels = s.labels): ImageSplit => ({ pixels: s.matrix.values, count: s.matrix.count, labels });

/** Reads `f` as a Dataset named after the features file; `seed` picks the held-out rows when there is no test file. */
export async function loadFeatureDataset(f: FeatureFiles, seed: number, log: (line: string) => void): Promise<Dataset> {
  const train = await readSplit(f.features, f.labels);
  const dim = train.matrix.dim;
  const test = f.testFeatures ? await readSplit(f.testFeatures, f.testLabels) : undefined;
  if (test && test.matrix.dim !== dim)
    throw new UserError(
      `${f.testFeatures} holds ${test.matrix.dim}-D vectors but ${f.features} holds ${dim}-D ones; give test vectors of the same features`,
    );
  let maxLabel = -1;
  for (const ls of [train.labels, test && !test.names ? test.labels : []]) for (const l of ls) maxLabel = Math.max(maxLabel, l);
  const classNames = await classNamesOf(f, train, maxLabel);
  let trainSplit = split(train);
  let testSplit = test && split(test, remapNames(test, classNames, f));
  if (!test) {
    const fraction = f.testSplit ?? DEFAULT_TEST_SPLIT;
    const held = heldOutIndices(trainSplit.labels, classNames.length, fraction, seed);
    if (held.length > 0) ({ rest: trainSplit, held: testSplit } = splitOff(trainSplit, held, dim));
    log(`test set: ${held.length} labelled rows held out (--test-split ${fraction})`);
  }
  if (trainSplit.count === 0)
    throw new UserError(`no training rows are left in ${f.features} after holding out the test set; lower --test-split`);
  const known = trainSplit.labels.reduce((n, l) => n + (l >= 0 ? 1 : 0), 0);
  log(`data ${f.features}: ${train.matrix.count} ${dim}-D vectors (${known} labelled in training, ${classNames.length} classes)`);
  return { name: featureSetName(f.features), inputKind: 'features', classNames, height: 1, width: dim, train: trainSplit, test: testSplit };
}
