/**
 * The sandbox's mail catcher: a plain SMTP server on loopback that accepts any login (or
 * none) and writes each message, raw, to `<dir>/<timestamp>-<n>.eml`. Knobs make it refuse
 * mail, so tests can see what a run does when the mail server fails.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface MailCatcherKnobs {
  /** Refuse every message with 554 after DATA. */
  reject: boolean;
  /** Refuse every login with 535 (clients that log in cannot send). */
  rejectAuth: boolean;
}

export interface MailCatcherOptions {
  /** Where the .eml files go; created when missing. */
  dir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  reject?: boolean;
  rejectAuth?: boolean;
}

export interface MailCatcher {
  readonly host: string;
  readonly port: number;
  /** Mutable: changes apply to the next login or message. */
  readonly knobs: MailCatcherKnobs;
  /** Paths of the messages stored so far, in arrival order. */
  messages(): string[];
  /** Resolves with the paths once at least `count` messages are stored; rejects after `timeoutMs`. */
  waitForMessage(count?: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** Starts the mail catcher. */
export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  await mkdir(options.dir, { recursive: true });
  const knobs: MailCatcherKnobs = { reject: options.reject ?? false, rejectAuth: options.rejectAuth ?? false };
  const stored: string[] = [];
  let waiters: { count: number; resolve: (paths: string[]) => void }[] = [];
  let received = 0;

  function notify(): void {
    const ready = waiters.filter((waiter) => stored.length >= waiter.count);
    waiters = waiters.filter((waiter) => stored.length < waiter.count);
    for (const waiter of ready) waiter.resolve([...stored]);
  }

  const server = new SMTPServer({
    logger: false,
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    // Clients that keep a connection open must not hold close() for the default 30 s.
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      if (knobs.rejectAuth) return callback(smtpError('Authentication refused by the sandbox mail catcher', 535));
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (knobs.reject) return callback(smtpError('Message refused by the sandbox mail catcher', 554));
        const file = path.join(options.dir, `${Date.now()}-${++received}.eml`);
        writeFile(file, Buffer.concat(chunks)).then(
          () => {
            stored.push(file);
            callback(null, `Stored as ${path.basename(file)}`);
            notify();
          },
          (error: Error) => callback(smtpError(`Could not store the message: ${error.message}`, 451)),
        );
      });
    },
  });

  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve((server.server.address() as AddressInfo).port);
    });
  });
  // A dropped client connection is not the catcher's failure; keep serving.
  server.on('error', () => undefined);

  return {
    host,
    port,
    knobs,
    messages: () => [...stored],
    waitForMessage(count = 1, timeoutMs = 10_000) {
      if (stored.length >= count) return Promise.resolve([...stored]);
      return new Promise((resolve, reject) => {
        const waiter = {
          count,
          resolve(paths: string[]) {
            clearTimeout(timer);
            resolve(paths);
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((other) => other !== waiter);
          reject(new Error(`expected ${count} message(s) within ${timeoutMs} ms, got ${stored.length}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
