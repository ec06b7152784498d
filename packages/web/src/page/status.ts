/**
 * The status line. Values also go into data- attributes, so that tests and scripts read numbers
 * instead of parsing the text.
 */
import { UserError } from './shared.ts';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class StatusLine {
  private readonly run = byId('run-status');
  private readonly provider = byId('provider');
  private readonly count = byId('count');
  private readonly drawMs = byId('draw-ms');
  private readonly model = byId('model-status');

  message(text: string): void {
    this.run.classList.remove('error');
    this.run.textContent = text;
  }

  error(err: unknown): void {
    // A UserError says what to do; anything else is a bug, so keep its stack in the console.
    if (!(err instanceof UserError)) console.error(err);
    this.run.classList.add('error');
    this.run.textContent = `error: ${err instanceof Error ? err.message : String(err)}`;
  }

  embedded(images: number, seconds: number, failed: number, provider: string, threads: number, note: string, unit = 'images'): void {
    const rate = seconds > 0 ? images / seconds : 0;
    const skipped = failed > 0 ? `; ${failed} files left out (listed below)` : '';
    this.message(`embedded ${images} ${unit} in ${seconds.toFixed(2)} s: ${Math.round(rate)} ${unit}/s${skipped}`);
    this.run.dataset.rate = String(rate);
    this.provider.dataset.provider = provider;
    this.provider.textContent = `on ${provider}${provider === 'wasm' ? ` (${threads} thread${threads === 1 ? '' : 's'})` : ''}${note ? ` · ${note}` : ''}`;
  }

  /** How many of the run's images the page's own PNG decoder took (the rest the browser decoded). */
  decodedDirectly(images: number): void {
    this.run.dataset.direct = String(images);
  }

  /** Before a run: the last run's provider would read as this one's if the run fails. */
  clearProvider(): void {
    this.provider.dataset.provider = '';
    this.provider.textContent = '';
  }

  points(n: number): void {
    this.count.dataset.count = String(n);
    this.count.textContent = `${n.toLocaleString('en')} points`;
  }

  drawn(ms: number): void {
    this.drawMs.dataset.ms = ms.toFixed(2);
    // A figure for developers; with nothing drawn it only puzzles.
    this.drawMs.textContent = this.count.dataset.count === '0' ? '' : `draw ${ms.toFixed(1)} ms`;
  }

  modelLoaded(text: string): void {
    this.model.textContent = text;
  }
}
