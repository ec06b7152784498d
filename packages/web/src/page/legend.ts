/** The legend: one swatch, name and count per category, in the map's colours. */
import type { Categories } from './categories.ts';
import { categoryColor } from './shared.ts';

export function renderLegend(list: HTMLUListElement, cats: Categories | undefined): void {
  list.replaceChildren();
  if (!cats) return;
  cats.names.forEach((name, k) => {
    if (cats.counts[k] === 0) return;
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = categoryColor(k);
    li.append(swatch, `${name} (${cats.counts[k]})`);
    list.append(li);
  });
}
