// Progress of a long replay on stderr: shown only on a terminal, once the replay has run for
// SHOW_AFTER_MS, redrawn in place at most every REDRAW_MS, cleared when it ends. Callers tick it
// often (each flush of output, each chunk of trace read); it draws when it is time to.

export interface ProgressStream {
  readonly isTTY?: boolean | undefined;
  write(text: string): unknown;
}

const SHOW_AFTER_MS = 2000;
const REDRAW_MS = 250;

export class Progress {
  private readonly start: number;
  private lastDraw = -Infinity;
  private width = 0;

  constructor(
    private readonly stream: ProgressStream,
    private readonly describe: () => string,
    private readonly clock: () => number = Date.now,
  ) {
    this.start = clock();
  }

  tick(): void {
    if (this.stream.isTTY !== true) return;
    const now = this.clock();
    if (now - this.start < SHOW_AFTER_MS || now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const text = this.describe();
    this.stream.write(`\r${text.padEnd(this.width)}`);
    this.width = text.length;
  }

  /** Removes the progress line, if one was drawn. */
  done(): void {
    if (this.width > 0) this.stream.write(`\r${" ".repeat(this.width)}\r`);
    this.width = 0;
  }
}
