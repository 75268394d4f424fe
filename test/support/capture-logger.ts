/**
 * A real pino logger (with connect-sync's redaction) writing JSON lines into memory, so
 * tests can check what would reach an operator's terminal.
 */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

export function captureLogger(): { logger: Logger; lines: string[]; text(): string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', format: 'json', destination }), lines, text: () => lines.join('') };
}
