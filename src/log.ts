/**
 * Logging: pino to stderr, JSON lines (pretty on a terminal), with secrets redacted at
 * every level. Log messages are fixed text; details go in the object argument.
 */
import { Writable } from 'node:stream';
import { pino, destination as pinoDestination, stdTimeFunctions, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';
import PinoPretty from 'pino-pretty';

export type { Logger };
export type LogFormat = 'json' | 'pretty';

const SECRET_KEYS = ['passKey', 'apiKey', 'apiSecret', 'pass', 'password', 'authorization', 'Authorization', 'pingUrl', 'token'];

/** Paths whose values never reach a log line, whatever the level (up to three levels deep). */
export const REDACTED_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
  // The PostgreSQL URL holds its password; other URLs (Connect's, Cadence's) are no secret.
  ...['state.url', '*.state.url', '*.*.state.url'],
];

export interface LoggerOptions {
  level?: LevelWithSilent;
  format?: LogFormat;
  /** Where to write; stderr by default (stdout is kept for --json output). */
  destination?: NodeJS.WritableStream;
}

/** Keys pino writes on every line itself; an object key of the same name would repeat them. */
const PINO_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

let beforeLine: (() => void) | undefined;

/**
 * Registers what runs before each log line reaches the terminal: the progress display
 * clears its line (and draws it again after), so a log line never shares a line with it.
 * Returns the function that removes the hook.
 */
export function onBeforeLogLine(hook: () => void): () => void {
  beforeLine = hook;
  return () => {
    if (beforeLine === hook) beforeLine = undefined;
  };
}

/**
 * Keeps every key of a JSON line unique: a key of the log object that the logger's bindings
 * (`service`, `runId`) or pino itself already write is dropped when it says the same (case
 * aside), and otherwise kept under `<key>Detail`. JSON with a repeated key is invalid for
 * many readers, and which of the two values wins differs between them.
 */
function uniqueKeys(object: Record<string, unknown>, bindings: Record<string, unknown>): Record<string, unknown> {
  let result = object;
  for (const key of Object.keys(object)) {
    if (!(key in bindings) && !PINO_KEYS.has(key)) continue;
    if (result === object) result = { ...object };
    const value = result[key];
    delete result[key];
    const same = key in bindings && String(bindings[key]).toLowerCase() === String(value).toLowerCase();
    if (!same) result[`${key}Detail`] = value;
  }
  return result;
}

/** A stream that runs the before-line hook, then writes to `target`. */
function gated(target: NodeJS.WritableStream): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      beforeLine?.();
      target.write(chunk);
      callback();
    },
  });
}

/** Creates the process logger. Pretty output is chosen when the destination is a terminal. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const isTerminal = Boolean((destination as NodeJS.WriteStream).isTTY);
  const format = options.format ?? (isTerminal ? 'pretty' : 'json');
  const settings = {
    level: options.level ?? 'info',
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: stdTimeFunctions.isoTime,
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...args: unknown[]) => void) {
        const [first, ...rest] = args as unknown[];
        if (first === null || typeof first !== 'object' || first instanceof Error) return method.apply(this, args as unknown[]);
        return method.apply(this, [uniqueKeys(first as Record<string, unknown>, this.bindings()), ...rest]);
      },
    },
  };
  if (format === 'pretty') {
    // pino-pretty as a stream in this process (no worker thread), so short CLI runs flush.
    const pretty = PinoPretty({
      destination: isTerminal ? gated(destination) : destination,
      sync: true,
      colorize: isTerminal,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
    });
    return pino(settings, pretty);
  }
  const fd = (destination as unknown as { fd?: unknown }).fd;
  const stream: DestinationStream =
    typeof fd === 'number' ? pinoDestination({ dest: fd, sync: true }) : (destination as DestinationStream);
  if (!isTerminal) return pino(settings, stream);
  return pino(settings, {
    write(line: string) {
      beforeLine?.();
      stream.write(line);
    },
  });
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
