/**
 * serve's HTTP answers (product.md §10), on Node's http module. The webhook URL holds the
 * only credential, so the token is checked before anything else is looked at, in constant
 * time, and a wrong one answers exactly as an unknown path does. A change is answered 200
 * only once the journal holds it (committed: it survives a kill the instant after).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { journalChanges } from '../../core/journal-changes.js';
import { isJsonContentType, readWebhookBody } from '../../core/optout-webhook.js';
import type { State } from '../../core/state.js';
import type { Logger } from '../../log.js';
import type { ServeMetrics } from './serve-metrics.js';

export const WEBHOOK_PREFIX = '/cadence/optouts/';
/** Largest body taken; a larger one is 413. */
export const MAX_BODY_BYTES = 64 * 1024;
/** A larger body than this is not even read to the end: the connection is closed. */
const DRAIN_LIMIT_BYTES = 1024 * 1024;

export interface HandlerDeps {
  token: string;
  deptCode: string;
  state: Pick<State, 'journal' | 'sync'>;
  metrics: ServeMetrics;
  logger: Logger;
  /** A change is in the journal: write it back. */
  journalled(): void;
  now?: () => Date;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
export function tokenMatches(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** The request handler of serve's server. */
export function webhookHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const expected = digest(deps.token);
  const now = deps.now ?? (() => new Date());
  const notFound = (res: ServerResponse) => answer(res, 404, { error: 'not found' });
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith(WEBHOOK_PREFIX)) {
      if (!tokenMatches(path.slice(WEBHOOK_PREFIX.length), expected)) {
        deps.metrics.answered(404);
        notFound(res);
        req.resume();
        return;
      }
      void receive(req, res, deps, now).then((status) => deps.metrics.answered(status));
      return;
    }
    req.resume();
    if (req.method === 'GET' && path === '/healthz') return void healthz(res, deps);
    if (req.method === 'GET' && path === '/metrics') return void metrics(res, deps);
    notFound(res);
  };
}

async function receive(req: IncomingMessage, res: ServerResponse, deps: HandlerDeps, now: () => Date): Promise<number> {
  if (req.method !== 'POST') {
    req.resume();
    answer(res, 405, { error: 'use POST' }, { allow: 'POST' });
    return 405;
  }
  if (!isJsonContentType(req.headers['content-type'])) {
    req.resume();
    answer(res, 415, { error: 'the body must be JSON' });
    return 415;
  }
  const body = await readBody(req);
  if (body === 'too large') {
    answer(res, 413, { error: `the body is larger than ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
    return 413;
  }
  if (body === 'aborted') return 400;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    answer(res, 400, { error: 'the body is not valid JSON' });
    return 400;
  }
  const reading = readWebhookBody(parsed, deps.deptCode);
  if (!reading.ok) {
    answer(res, reading.status, { error: reading.message });
    return reading.status;
  }
  const changedAt = now().toISOString();
  let verdict: string;
  try {
    [verdict = 'repeat'] = await journalChanges(deps.state, [{ contactId: reading.contactId, optedOut: reading.optedOut, changedAt, source: 'webhook' }]);
  } catch (error) {
    // Not in the journal: Cadence must deliver it again.
    deps.logger.error({ error: error instanceof Error ? error.message : String(error) }, 'webhook change could not be journalled');
    answer(res, 503, { error: 'the state store is not answering; deliver again later' });
    return 503;
  }
  deps.logger.debug({ contactId: reading.contactId, optedOut: reading.optedOut, verdict }, 'opt-out webhook journalled');
  answer(res, 200, { ok: true, verdict });
  if (verdict === 'pending') deps.journalled();
  return 200;
}

/** The body, at most MAX_BODY_BYTES; `too large` past that (read on, up to a limit, so the answer reaches the client). */
function readBody(req: IncomingMessage): Promise<Buffer | 'too large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT_BYTES) return Promise.resolve('too large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) {
        req.destroy();
        resolve('too large');
      }
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too large' : Buffer.concat(chunks)));
    req.on('error', () => resolve('aborted'));
    req.on('close', () => resolve(size > MAX_BODY_BYTES ? 'too large' : 'aborted'));
  });
}

async function healthz(res: ServerResponse, deps: HandlerDeps): Promise<void> {
  try {
    await deps.state.journal.holdsAny();
    answer(res, 200, { status: 'ok' });
  } catch (error) {
    deps.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'health check: the state store is not answering');
    answer(res, 503, { status: 'state store not answering' });
  }
}

async function metrics(res: ServerResponse, deps: HandlerDeps): Promise<void> {
  try {
    const text = await deps.metrics.text();
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
    res.end(text);
  } catch (error) {
    deps.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'metrics could not be read');
    answer(res, 503, { error: 'metrics unavailable' });
  }
}
