/**
 * "with style columns" in Download: offered only when the points have style vectors (embedded
 * here, or a CSV with z columns); otherwise the box is off and its one-line hint says why.
 */
import type { PointSet } from './point-set.ts';

const STYLE = "style: the model's numbers for how an image is drawn (stroke, slant…), apart from its cluster";

export function updateStyleOption(check: HTMLInputElement, hint: HTMLElement, set: PointSet | undefined): void {
  const d = set?.styleDim ?? 0;
  check.disabled = d === 0;
  if (d === 0) check.checked = false;
  hint.textContent = d > 0 ? `${STYLE}: z0…z${d - 1}` : set ? `${STYLE}; these points have none (no z columns)` : STYLE;
  check.parentElement!.title = hint.textContent;
}
