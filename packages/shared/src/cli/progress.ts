/**
 * A progress bar with rate and ETA. On a TTY it redraws one line; otherwise it prints a plain
 * line at most every `intervalMs`, so logs stay readable.
 */
export interface ProgressOptions {
  /** Items to do; leave it out while it is being counted, and call setTotal when it is known. */
  total?: number;
  /** Unit for the rate, e.g. 'samples' or 'files'. */
  unit: string;
  label?: string;
  stream?: NodeJS.WriteStream;
  /** @default 10000 on a non-TTY, 100 on a TTY */
  intervalMs?: number;
  /** performance.now() when the work began, if earlier than the bar, so rates include set-up. @default now */
  startedAt?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export class Progress {
  private done = 0;
  private readonly start: number;
  private lastDraw = 0;
  private drawnAt = -1;
  private drawnTotal: number | undefined;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly interval: number;
  private total: number | undefined;

  constructor(private readonly opts: ProgressOptions) {
    this.total = opts.total;
    this.start = opts.startedAt ?? performance.now();
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.interval = opts.intervalMs ?? (this.tty ? 100 : 10_000);
  }

  /** Sets the total once a count running alongside the work has it. */
  setTotal(total: number): void {
    this.total = total;
  }

  /** Adds `n` finished items and redraws if it is time. */
  tick(n = 1, extra = ''): void {
    this.done += n;
    const now = performance.now();
    if (now - this.lastDraw >= this.interval || (this.total !== undefined && this.done >= this.total)) {
      this.lastDraw = now;
      this.draw(extra);
    }
  }

  line(extra = ''): string {
    const { unit, label } = this.opts;
    const total = this.total;
    const secs = (performance.now() - this.start) / 1000;
    const rate = this.done / Math.max(secs, 1e-9);
    const eta = total === undefined ? NaN : (total - this.done) / rate;
    const frac = total === undefined ? 0 : total > 0 ? Math.min(1, this.done / total) : 1;
    const width = 24;
    const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
    const head = label ? `${label} ` : '';
    return `${head}${bar} ${this.done}/${total ?? '?'} ${rate.toFixed(rate < 100 ? 1 : 0)} ${unit}/s ETA ${formatDuration(eta)} elapsed ${formatDuration(secs)}${extra ? ` ${extra}` : ''}`;
  }

  private draw(extra: string): void {
    this.drawnAt = this.done;
    this.drawnTotal = this.total;
    if (this.tty) this.stream.write(`\r\x1b[2K${this.line(extra)}`);
    else this.stream.write(`${this.line(extra)}\n`);
  }

  /** Draws the final state and ends the line. */
  finish(extra = ''): void {
    // A plain log already has the final line if the last tick reached the total and knew it.
    if (this.tty || this.drawnAt !== this.done || this.drawnTotal !== this.total || extra) this.draw(extra);
    if (this.tty) this.stream.write('\n');
  }
}
