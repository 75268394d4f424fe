/**
 * Logging: pino to stderr, JSON lines (pretty on a terminal), with secrets redacted at
 * every level. Log messages are fixed text; details go in the object argument.
 */
import { pino, destination as pinoDestination, stdTimeFunctions, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';
import PinoPretty from 'pino-pretty';

export type { Logger };
export type LogFormat = 'json' | 'pretty';

const SECRET_KEYS = ['passKey', 'apiKey', 'apiSecret', 'pass', 'password', 'authorization', 'Authorization', 'token'];

/** Paths whose values never reach a log line, whatever the level (up to three levels deep). */
export const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

export interface LoggerOptions {
  level?: LevelWithSilent;
  format?: LogFormat;
  /** Where to write; stderr by default (stdout is kept for --json output). */
  destination?: NodeJS.WritableStream;
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
  };
  if (format === 'pretty') {
    // pino-pretty as a stream in this process (no worker thread), so short CLI runs flush.
    const pretty = PinoPretty({
      destination,
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
  return pino(settings, stream);
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
