/** Reading a points.csv written by `embed` into a PointSet, and writing one in the same format. */
import { emptyPointSet, type PointSet } from './point-set.ts';
import { BASE_COLUMNS, csvRecord, PointRowWriter, parseCsv, pointRowProblem, pointsColumns, UserError } from './shared.ts';

export function pointsFromCsv(text: string, name: string): PointSet {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''));
  const header = rows[0];
  if (!header || BASE_COLUMNS.some((c, i) => header[i] !== c)) {
    throw new UserError(`${name} is not a points.csv from embed: its header must start with ${BASE_COLUMNS.join(',')}`);
  }
  const styleDim = header.length - BASE_COLUMNS.length;
  header.slice(BASE_COLUMNS.length).forEach((c, j) => {
    if (c !== `z${j}`) throw new UserError(`${name}: column ${BASE_COLUMNS.length + j + 1} is '${c}', expected 'z${j}'`);
  });
  const set = emptyPointSet(rows.length - 1, styleDim);
  for (let r = 1; r < rows.length; r++) {
    const f = rows[r]!;
    if (f.length === 1 && f[0] === '') continue; // a blank line
    if (f.length !== header.length) throw new UserError(`${name}: record ${r + 1} has ${f.length} fields, the header has ${header.length}`);
    // A point that is counted but drawn nowhere, and written back as NaN, is worse than no map.
    const problem = pointRowProblem(f, header);
    if (problem) throw new UserError(`${name}: record ${r + 1}: ${problem}; fix or remove that line`);
    const i = set.count++;
    set.paths.push(f[0]!);
    set.xy[2 * i] = Number(f[1]);
    set.xy[2 * i + 1] = Number(f[2]);
    set.cluster[i] = Number(f[3]);
    set.confidence[i] = Number(f[4]);
    for (let j = 0; j < styleDim; j++) set.style[i * styleDim + j] = Number(f[BASE_COLUMNS.length + j]);
  }
  return set;
}

/**
 * The CSV `embed` writes for these points; `withStyle` adds z0..z{d-1} when they are known.
 * `only` (ascending point indices) writes just those rows, as the selection's download does.
 */
export function pointsToCsv(set: PointSet, withStyle: boolean, only?: ArrayLike<number>): string {
  const d = withStyle ? set.styleDim : 0;
  const rows = new PointRowWriter();
  const n = only ? only.length : set.count;
  for (let r = 0; r < n; r++) {
    const i = only ? only[r]! : r;
    const z = d > 0 ? set.style.subarray(i * d, (i + 1) * d) : undefined;
    rows.row(set.paths[i]!, set.xy[2 * i]!, set.xy[2 * i + 1]!, set.cluster[i]!, set.confidence[i]!, z);
  }
  return csvRecord(pointsColumns(d)) + new TextDecoder().decode(rows.take());
}
