/**
 * Progress of a long phase on a terminal (product.md §7): one status line, redrawn in
 * place at most ten times a second, showing the filter being read, contacts fetched per
 * filter, batches and contacts Cadence confirmed, and the rate. Off a terminal (cron,
 * pipes, --quiet, --json) it writes nothing at all, so logs and JSON stay clean.
 */

/** What the import reports as it goes. Every method is cheap; drawing is throttled. */
export interface Progress {
  /** A filter starts being read; `reason` says how (`incremental`, `full: first run`, …). */
  filter(filterId: number, reason: string): void;
  /** `contacts` more contacts were fetched for `filterId` (adds up). */
  fetched(filterId: number, contacts: number): void;
  /** Cadence confirmed one batch of `contacts` contacts. */
  batch(contacts: number): void;
  /** Removes the line before other output goes to the same stream; it is drawn again shortly after. */
  clear(): void;
  /** Removes the line for good; later reports draw nothing. */
  stop(): void;
}

export interface ProgressOptions {
  /** Where the line is drawn (stderr in the CLI, beside the logs). */
  stream: NodeJS.WriteStream;
  /** False when not on a terminal, with --quiet or --json: nothing is written then. */
  enabled: boolean;
  /** Milliseconds clock, injectable for tests; `Date.now` by default. */
  now?: () => number;
}

/** Shortest time between two redraws. */
export const REDRAW_INTERVAL_MS = 100;

/** Carriage return, then "erase the whole line" (ECMA-48 EL 2). */
const CLEAR_LINE = '\r\x1b[2K';

const count = new Intl.NumberFormat('en-US');

/** A progress reporter that does nothing. */
export function noProgress(): Progress {
  const nothing = (): void => undefined;
  return { filter: nothing, fetched: nothing, batch: nothing, clear: nothing, stop: nothing };
}

/**
 * Creates the reporter. It draws only when `enabled` and the stream is a terminal. A report
 * that arrives within the redraw interval is drawn by a trailing timer (unref'd, so it never
 * keeps the process alive), so the line never lags behind a pause in the work.
 */
export function createProgress(options: ProgressOptions): Progress {
  const { stream } = options;
  if (!options.enabled || stream.isTTY !== true) return noProgress();
  const now = options.now ?? Date.now;

  const startedAt = now();
  const perFilter = new Map<number, number>();
  let current: { filterId: number; reason: string } | undefined;
  let batches = 0;
  let confirmed = 0;
  let lastDrawAt = -Infinity;
  let shown = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function line(): string {
    const parts: string[] = [];
    if (current) parts.push(`filter ${current.filterId} (${current.reason})`);
    const fetched = [...perFilter].map(([filterId, contacts]) => `${filterId}: ${count.format(contacts)}`);
    if (fetched.length > 0) parts.push(`fetched ${fetched.join(', ')}`);
    parts.push(`confirmed ${count.format(batches)} batch${batches === 1 ? '' : 'es'}, ${count.format(confirmed)} contacts`);
    const seconds = (now() - startedAt) / 1000;
    // The rate of what reached Cadence once it has started, of what was read before that.
    const [done, what] = confirmed > 0 ? [confirmed, 'confirmed'] : [[...perFilter.values()].reduce((sum, n) => sum + n, 0), 'fetched'];
    if (seconds >= 1) parts.push(`${count.format(Math.round(done / seconds))} ${what}/s`);
    const text = parts.join(' · ');
    // A line wider than the terminal wraps, and "erase line" would then leave its first rows behind.
    const columns = stream.columns;
    return columns !== undefined && columns > 1 && text.length >= columns ? `${text.slice(0, columns - 2)}…` : text;
  }

  function draw(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    lastDrawAt = now();
    shown = true;
    stream.write(`${CLEAR_LINE}${line()}`);
  }

  function changed(): void {
    if (stopped) return;
    const wait = lastDrawAt + REDRAW_INTERVAL_MS - now();
    if (wait <= 0) draw();
    else later(wait);
  }

  function later(wait: number): void {
    if (timer !== undefined) return;
    timer = setTimeout(draw, wait);
    timer.unref();
  }

  function erase(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (shown) stream.write(CLEAR_LINE);
    shown = false;
  }

  return {
    filter(filterId, reason) {
      current = { filterId, reason };
      if (!perFilter.has(filterId)) perFilter.set(filterId, 0);
      changed();
    },
    fetched(filterId, contacts) {
      perFilter.set(filterId, (perFilter.get(filterId) ?? 0) + contacts);
      changed();
    },
    batch(contacts) {
      batches += 1;
      confirmed += contacts;
      changed();
    },
    clear() {
      if (stopped) return;
      erase();
      // Drawn again after the caller's own output, never before it.
      later(REDRAW_INTERVAL_MS);
    },
    stop() {
      erase();
      stopped = true;
    },
  };
}
