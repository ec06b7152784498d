/**
 * The legend, which is also a filter: one swatch, name and count per category, in the map's
 * colours. Clicking a category hides its points (the row is struck through and dimmed), clicking
 * again shows them; shift-click or the row's "only" button shows that category alone, and once
 * more shows all. Download still writes every point: hiding is a way of looking, not an edit.
 */
import type { Categories } from './categories.ts';
import { HIDDEN } from './point-splat.ts';
import { categoryColor } from './shared.ts';

export class Legend {
  /** Hidden category names per colour mode: names survive new points (adding to the map) and mode switches. */
  private readonly hidden = new Map<string, Set<string>>();
  private cats: Categories | undefined;
  private mode = '';

  constructor(
    private readonly list: HTMLUListElement,
    /** "12 of 30 points shown" and a Show all button, while anything is hidden. */
    private readonly note: HTMLElement,
    private readonly onChange: () => void,
  ) {
    note.querySelector('button')!.addEventListener('click', () => this.set(new Set()));
  }

  show(cats: Categories, mode: string): void {
    this.cats = cats;
    this.mode = mode;
    this.render();
  }

  /** `palette` (as paletteOf gives it) with the hidden categories' entries set to HIDDEN. */
  mask(palette: Uint32Array): Uint32Array {
    const out = palette.slice();
    this.cats?.names.forEach((name, k) => {
      if (this.off.has(name)) out[k + 1] = HIDDEN;
    });
    return out;
  }

  private get off(): Set<string> {
    return this.hidden.get(this.mode) ?? new Set();
  }

  private set(off: Set<string>): void {
    this.hidden.set(this.mode, off);
    this.render();
    this.onChange();
  }

  private toggle(name: string): void {
    const off = new Set(this.off);
    if (!off.delete(name)) off.add(name);
    this.set(off);
  }

  /** Shows `name` alone; if it already is, shows all again. */
  private isolate(name: string): void {
    const others = this.present().filter((n) => n !== name);
    const alone = !this.off.has(name) && others.every((n) => this.off.has(n));
    this.set(alone ? new Set() : new Set(others));
  }

  private present(): string[] {
    const c = this.cats;
    return c ? c.names.filter((_, k) => c.counts[k]! > 0) : [];
  }

  private row(name: string, k: number, count: number): HTMLLIElement {
    const li = document.createElement('li');
    const shown = !this.off.has(name);
    li.classList.toggle('off', !shown);
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'category';
    toggle.setAttribute('aria-pressed', String(shown));
    toggle.title = `${shown ? 'hide' : 'show'} ${name}; shift-click shows only ${name}`;
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = categoryColor(k);
    toggle.append(swatch, `${name} (${count})`);
    toggle.dataset.name = name;
    toggle.addEventListener('click', (e) => (e.shiftKey ? this.isolate(name) : this.toggle(name)));
    const only = document.createElement('button');
    only.type = 'button';
    only.className = 'only';
    only.textContent = 'only';
    only.title = `show only ${name} (again: show all)`;
    only.dataset.name = name;
    only.addEventListener('click', () => this.isolate(name));
    li.append(toggle, only);
    return li;
  }

  private render(): void {
    const c = this.cats;
    // The rows are rebuilt; a keyboard user stays on the button they pressed.
    const focused = this.list.contains(document.activeElement) ? (document.activeElement as HTMLElement) : undefined;
    this.list.replaceChildren(...(c ? c.names.flatMap((name, k) => (c.counts[k] ? [this.row(name, k, c.counts[k])] : [])) : []));
    const again = Array.from(this.list.querySelectorAll<HTMLElement>('button')).find(
      (b) => focused && b.className === focused.className && b.dataset.name === focused.dataset.name,
    );
    again?.focus();
    const total = c?.index.length ?? 0;
    const hiddenPoints = c ? c.names.reduce((sum, name, k) => sum + (this.off.has(name) ? c.counts[k]! : 0), 0) : 0;
    this.note.hidden = hiddenPoints === 0;
    this.note.dataset.shown = String(total - hiddenPoints);
    this.note.querySelector('span')!.textContent =
      `${(total - hiddenPoints).toLocaleString('en')} of ${total.toLocaleString('en')} points shown`;
  }
}
