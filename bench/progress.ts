// A one-line progress bar on stderr, redrawn in place, only when stderr is a terminal: CI logs and
// redirected output get no bar (and stdout, which may carry --json, is never touched).

export interface ProgressDisplay {
  /** Redraws with this much done (of the total given at the start). */
  update(done: number): void;
  /** Clears the line. */
  end(): void;
}

const BAR_CELLS = 30;
const REDRAW_INTERVAL_MS = 250;

export const silentProgress: ProgressDisplay = { update: () => undefined, end: () => undefined };

/** The bar line for `done` of `total`; exported for tests. */
export function progressLine(label: string, done: number, total: number, unit: string): string {
  const fraction = total > 0 ? Math.min(Math.max(done / total, 0), 1) : 0;
  const cells = Math.round(fraction * BAR_CELLS);
  const digits = Number.isInteger(total) && unit !== 's' ? 0 : 1;
  return `${label} [${'#'.repeat(cells)}${'.'.repeat(BAR_CELLS - cells)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${Math.min(done, total).toFixed(digits)}/${total.toFixed(digits)} ${unit}`;
}

/**
 * A bar fed by `read()` every REDRAW_INTERVAL_MS (and by update()); `total` in the same unit. Silent when
 * stderr is not a TTY.
 */
export function terminalProgress(label: string, total: number, unit: string, read?: () => number): ProgressDisplay {
  const stderr = process.stderr;
  if (!stderr.isTTY) return silentProgress;
  const draw = (done: number): void => {
    stderr.write(`\r${progressLine(label, done, total, unit)}\x1b[K`);
  };
  const timer = read && setInterval(() => draw(read()), REDRAW_INTERVAL_MS);
  timer?.unref();
  draw(0);
  return {
    update: draw,
    end: () => {
      if (timer) clearInterval(timer);
      stderr.write('\r\x1b[K');
    },
  };
}
