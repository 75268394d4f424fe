import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from './cli/progress.js';
import { createLogger, onBeforeLogLine } from './log.js';

/** A stream that keeps what is written; a terminal when `tty`. */
function capture(tty: boolean): Writable & { text: () => string; isTTY?: boolean; columns?: number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  }) as Writable & { text: () => string; isTTY?: boolean; columns?: number };
  stream.text = () => chunks.join('');
  if (tty) {
    stream.isTTY = true;
    stream.columns = 200;
  }
  return stream;
}

const ERASE = '\r\u001b[2K';

/** The lines a terminal shows: `\r` + erase-line empties the current line. */
function screen(output: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const part of output.split(new RegExp(`(${ERASE.replace('[', '\\[')}|\n)`))) {
    if (part === ERASE) current = '';
    else if (part === '\n') {
      lines.push(current);
      current = '';
    } else current += part;
  }
  return [...lines, current];
}

/** Every key of every object of a JSON text, checked unique per object (JSON.parse keeps the last silently). */
function duplicateKeys(json: string): string[] {
  const duplicates: string[] = [];
  const stack: Set<string>[] = [];
  const tokens = json.matchAll(/"(?:[^"\\]|\\.)*"\s*:|[{}]/g);
  for (const [token] of tokens) {
    if (token === '{') stack.push(new Set());
    else if (token === '}') stack.pop();
    else {
      const key = JSON.parse(token.replace(/\s*:$/, '')) as string;
      const keys = stack.at(-1)!;
      if (keys.has(key)) duplicates.push(key);
      keys.add(key);
    }
  }
  return duplicates;
}

describe('log lines and the progress line', () => {
  afterEach(() => vi.useRealTimers());

  it.each(['pretty', 'json'] as const)('never share a terminal line (%s), and the progress is drawn again after', (format) => {
    vi.useFakeTimers();
    const terminal = capture(true);
    const logger = createLogger({ destination: terminal, format });
    const progress = createProgress({ stream: terminal as unknown as NodeJS.WriteStream, enabled: true, now: () => Date.now() });
    const unhook = onBeforeLogLine(() => progress.clear());
    progress.fetched(70542, 500);
    logger.info({ filterId: 70542 }, 'filter read in full');
    vi.advanceTimersByTime(1000);
    unhook();
    progress.stop();
    const lines = screen(terminal.text());
    const logLine = lines.findIndex((line) => line.includes('filter read in full'));
    expect(logLine).toBeGreaterThanOrEqual(0);
    expect(lines[logLine]).not.toContain('fetched');
    // Redrawn after the log line, on a line of its own.
    expect(terminal.text().lastIndexOf('fetched 70542: 500')).toBeGreaterThan(terminal.text().indexOf('filter read in full'));
  });

  it('without the hook a log line would be glued to the progress (the check above can fail)', () => {
    const terminal = capture(true);
    const logger = createLogger({ destination: terminal, format: 'pretty' });
    const progress = createProgress({ stream: terminal as unknown as NodeJS.WriteStream, enabled: true });
    progress.fetched(70542, 500);
    logger.info('filter read in full');
    progress.stop();
    expect(screen(terminal.text()).some((line) => line.includes('fetched') && line.includes('filter read in full'))).toBe(true);
  });
});

describe('JSON log lines', () => {
  it('have unique keys, also when the object repeats a binding or a key pino writes', () => {
    const out = capture(false);
    const logger = createLogger({ destination: out, format: 'json', level: 'debug' });
    const cadence = logger.child({ service: 'cadence' }).child({ runId: 'r1' });
    cadence.warn({ service: 'Cadence', path: '/v2/users', attempt: 1 }, 'retrying request');
    cadence.info({ runId: 'r1', time: 'later', msg: 'inner', level: 3 }, 'repeats');
    cadence.info({ service: 'connect' }, 'differs');
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(duplicateKeys(line), line).toEqual([]);
    const [retry, repeats, differs] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(retry).toMatchObject({ service: 'cadence', path: '/v2/users', attempt: 1, msg: 'retrying request' });
    expect(repeats).toMatchObject({ runId: 'r1', timeDetail: 'later', msgDetail: 'inner', levelDetail: 3, msg: 'repeats' });
    expect(differs).toMatchObject({ service: 'cadence', serviceDetail: 'connect' });
  });

  it('the duplicate-key check finds a repeated key', () => {
    expect(duplicateKeys('{"service":"a","x":{"y":1},"service":"b"}')).toEqual(['service']);
  });
});
