/**
 * The files an embed left out, on the page rather than in the console: a <details> list with
 * each path and why, and the same list as errors.csv in `embed`'s `<out>.errors.csv` format.
 */
import { downloadText } from './download.ts';
import { csvRecord, ERROR_COLUMNS, IMAGE_EXTENSIONS } from './shared.ts';

export interface FileProblem {
  path: string;
  reason: string;
  /** Refused because its colour differs from the model's (shared's colour.ts). */
  colour?: true;
}

/** Why a file without an image extension is not embedded (embed passes over such files too). */
export const NOT_AN_IMAGE = `ignored: not an image file (embed reads ${IMAGE_EXTENSIONS.map((e) => e.slice(1)).join(', ')})`;

/** More rows than this would make the page slow to lay out; errors.csv still has them all. */
const LISTED = 500;

export function errorsCsv(problems: readonly FileProblem[]): string {
  return csvRecord(ERROR_COLUMNS) + problems.map((p) => csvRecord([p.path, p.reason])).join('');
}

export class ProblemList {
  private problems: FileProblem[] = [];
  private readonly summary: HTMLElement;
  private readonly list: HTMLUListElement;

  constructor(private readonly details: HTMLDetailsElement) {
    this.summary = details.querySelector('summary')!;
    this.list = details.querySelector('ul')!;
    details.querySelector('button')!.addEventListener('click', () => downloadText('errors.csv', errorsCsv(this.problems)));
  }

  /** Shows the files left out by the last embed; none hides the list. */
  show(problems: FileProblem[]): void {
    this.problems = problems;
    this.details.hidden = problems.length === 0;
    this.details.dataset.count = String(problems.length);
    const colour = problems.filter((p) => p.colour).length;
    const skipped = problems.filter((p) => p.reason !== NOT_AN_IMAGE && !p.colour).length;
    const ignored = problems.length - skipped - colour;
    const parts = [
      skipped > 0 ? `${skipped} skipped (cannot be read as images)` : '',
      colour > 0 ? `${colour} skipped (colour differs from the model's)` : '',
      ignored > 0 ? `${ignored} ignored (not images)` : '',
    ];
    this.summary.textContent = `${problems.length} files left out of the last embed: ${parts.filter(Boolean).join(', ')}`;
    const rows = problems.slice(0, LISTED).map((p) => {
      const li = document.createElement('li');
      const path = document.createElement('code');
      path.textContent = p.path;
      li.append(path, ` ${p.reason}`);
      return li;
    });
    if (problems.length > LISTED) {
      const more = document.createElement('li');
      more.textContent = `… and ${problems.length - LISTED} more, all in errors.csv`;
      rows.push(more);
    }
    this.list.replaceChildren(...rows);
  }
}
