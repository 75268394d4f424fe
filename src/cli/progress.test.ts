import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REDRAW_INTERVAL_MS, createProgress } from './progress.js';

const CLEAR_LINE = '\r\x1b[2K';

/** A writable that says it is a terminal and keeps every chunk written to it. */
function fakeTerminal(options: { isTTY?: boolean; columns?: number } = {}) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: options.isTTY ?? true, columns: options.columns });
  return { stream, chunks };
}

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createProgress', () => {
  it('writes nothing at all when disabled', () => {
    const { stream, chunks } = fakeTerminal();
    const progress = createProgress({ stream, enabled: false });
    progress.filter(70542, 'incremental');
    progress.fetched(70542, 500);
    progress.batch(500);
    progress.clear();
    progress.stop();
    expect(chunks).toEqual([]);
  });

  it('writes nothing when the stream is not a terminal, even if enabled', () => {
    const { stream, chunks } = fakeTerminal({ isTTY: false });
    const progress = createProgress({ stream, enabled: true });
    progress.filter(70542, 'incremental');
    progress.batch(10);
    progress.stop();
    expect(chunks).toEqual([]);
  });

  it('redraws one line with the filter, the counts per filter and the batches confirmed', () => {
    const { stream, chunks } = fakeTerminal();
    const clock = manualClock();
    const progress = createProgress({ stream, enabled: true, now: clock.now });
    progress.filter(70542, 'incremental');
    clock.advance(REDRAW_INTERVAL_MS);
    progress.fetched(70542, 500);
    clock.advance(REDRAW_INTERVAL_MS);
    progress.fetched(70542, 734);
    clock.advance(REDRAW_INTERVAL_MS);
    progress.filter(70611, 'full: first run');
    clock.advance(REDRAW_INTERVAL_MS);
    progress.fetched(70611, 12);
    clock.advance(REDRAW_INTERVAL_MS);
    progress.batch(1000);
    progress.stop();

    expect(chunks.every((chunk) => chunk.startsWith(CLEAR_LINE) && !chunk.includes('\n'))).toBe(true);
    expect(chunks[0]).toBe(`${CLEAR_LINE}filter 70542 (incremental) · fetched 70542: 0 · confirmed 0 batches, 0 contacts`);
    expect(chunks[2]).toContain('fetched 70542: 1,234');
    expect(chunks[3]).toContain('filter 70611 (full: first run) · fetched 70542: 1,234, 70611: 0');
    expect(chunks[5]).toContain('confirmed 1 batch, 1,000 contacts');
    expect(chunks).toHaveLength(7);
    expect(chunks[6]).toBe(CLEAR_LINE);
  });

  it('draws at most once per interval however many reports arrive', () => {
    vi.useFakeTimers();
    const { stream, chunks } = fakeTerminal();
    const clock = manualClock();
    const progress = createProgress({ stream, enabled: true, now: clock.now });
    progress.filter(70542, 'incremental');
    for (let i = 0; i < 1000; i += 1) {
      progress.fetched(70542, 1);
      if (i % 100 === 99) clock.advance(10);
    }
    // 1000 reports within 100 ms of the first draw: none of them drawn yet.
    expect(chunks).toHaveLength(1);
    clock.advance(REDRAW_INTERVAL_MS);
    progress.fetched(70542, 1);
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toContain('fetched 70542: 1,001');
    progress.stop();
  });

  it('draws the last reports of a burst once the interval has passed, without further reports', () => {
    vi.useFakeTimers();
    const { stream, chunks } = fakeTerminal();
    const clock = manualClock();
    const progress = createProgress({ stream, enabled: true, now: clock.now });
    progress.filter(70542, 'incremental');
    progress.fetched(70542, 250);
    progress.batch(250);
    expect(chunks).toHaveLength(1);
    clock.advance(REDRAW_INTERVAL_MS);
    vi.advanceTimersByTime(REDRAW_INTERVAL_MS);
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toContain('fetched 70542: 250');
    expect(chunks[1]).toContain('confirmed 1 batch, 250 contacts');
    progress.stop();
  });

  it('shows the rate: fetched contacts per second, then confirmed ones once Cadence confirms', () => {
    const { stream, chunks } = fakeTerminal();
    const clock = manualClock();
    const progress = createProgress({ stream, enabled: true, now: clock.now });
    progress.filter(70542, 'incremental');
    expect(chunks.at(-1)).not.toContain('/s');
    clock.advance(2000);
    progress.fetched(70542, 3000);
    expect(chunks.at(-1)).toContain('1,500 fetched/s');
    clock.advance(2000);
    progress.batch(1000);
    expect(chunks.at(-1)).toContain('250 confirmed/s');
    progress.stop();
  });

  it('stop() erases the line, cancels a pending redraw, and later reports draw nothing', () => {
    vi.useFakeTimers();
    const { stream, chunks } = fakeTerminal();
    const clock = manualClock();
    const progress = createProgress({ stream, enabled: true, now: clock.now });
    progress.filter(70542, 'incremental');
    progress.fetched(70542, 5);
    progress.stop();
    vi.advanceTimersByTime(10 * REDRAW_INTERVAL_MS);
    clock.advance(10 * REDRAW_INTERVAL_MS);
    progress.batch(5);
    progress.stop();
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toBe(CLEAR_LINE);
  });

  it('clear() erases the line for other output and draws it again after the interval', () => {
    vi.useFakeTimers();
    const { stream, chunks } = fakeTerminal();
    const clock = manualClock();
    const progress = createProgress({ stream, enabled: true, now: clock.now });
    progress.filter(70542, 'incremental');
    progress.clear();
    expect(chunks).toEqual([expect.stringContaining('filter 70542'), CLEAR_LINE]);
    clock.advance(REDRAW_INTERVAL_MS);
    vi.advanceTimersByTime(REDRAW_INTERVAL_MS);
    expect(chunks).toHaveLength(3);
    expect(chunks[2]).toContain('filter 70542');
    progress.stop();
  });

  it('cuts the line to the terminal width so it never wraps', () => {
    const { stream, chunks } = fakeTerminal({ columns: 40 });
    const progress = createProgress({ stream, enabled: true, now: manualClock().now });
    progress.filter(70542, 'full: the mapping changed since the last run');
    const drawn = chunks[0]?.slice(CLEAR_LINE.length) ?? '';
    expect(drawn.length).toBeLessThan(40);
    expect(drawn.startsWith('filter 70542 (full: the mapping')).toBe(true);
    expect(drawn.endsWith('…')).toBe(true);
    progress.stop();
  });
});
