/**
 * The colour of category `i` in every map plot (the PNG of `embed --plot` and the browser page):
 * a Tableau-like palette, then a golden-angle hue walk for more than 10 categories.
 */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
export function categoryColor(i: number): string {
  if (i < 0) return '#aaaaaa';
  if (i < PALETTE.length) return PALETTE[i]!;
  return `hsl(${Math.round((i * 137.508) % 360)}, 65%, 45%)`;
}
