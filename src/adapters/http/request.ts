/**
 * One HTTP attempt over undici, shared by the Connect and Cadence clients: a deadline on
 * every attempt, the body read in full (so keep-alive sockets are reused), a debug line
 * per request, and network failures turned into TransientError. Retrying and the meaning
 * of a status code are the callers' business.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../../log.js';
import type { ServiceName } from '../../errors.js';
import { parseRetryAfter } from './retry-after.js';
import { TransientError, type RetryPolicy } from './retry.js';

/** Failing before a connection exists: the address is wrong or the service is down. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Failing on an established connection. */
const NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_ABORTED']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Statuses that mean "try again later" on both services. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** A keep-alive agent sized for `connections` requests in flight per origin. */
export function createAgent(options: { connections: number; timeoutMs: number }): Agent {
  return new Agent({
    connections: options.connections,
    keepAliveTimeout: 10_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: { timeout: Math.min(options.timeoutMs, 30_000) },
  });
}

export interface HttpTarget {
  service: ServiceName;
  dispatcher: Dispatcher;
  /** Deadline of one attempt, from sending to the last byte of the body. */
  timeoutMs: number;
  logger: Logger;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Names the call in the debug line beside the path (a SOAP method); never a secret. */
  operation?: string;
  /**
   * Return the body one character per byte (latin1) instead of decoded UTF-8: half the
   * memory and much faster for a large answer the caller reads in its own way (see
   * utf8FromLatin1 for the text the usual read would have given).
   */
  latin1Body?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Sends one request and reads the whole body. Connection failures, resets and the
 * deadline become TransientError (`unreachable`, `network`, `timeout`); the caller's abort
 * rethrows its reason. Any status is returned, not thrown.
 */
export async function sendOnce(target: HttpTarget, req: HttpRequest, attempt: number, signal?: AbortSignal): Promise<HttpResponse> {
  const deadline = AbortSignal.timeout(target.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const started = performance.now();
  try {
    const response = await send(target, req, combined);
    const body = req.latin1Body ? Buffer.from(await response.body.arrayBuffer()).toString('latin1') : await response.body.text();
    target.logger.debug(
      { ...describe(target, req), status: response.statusCode, ms: Math.round(performance.now() - started), attempt },
      'http request',
    );
    return { status: response.statusCode, headers: response.headers, body };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const failure = networkFailure(error, deadline.aborted, target.timeoutMs);
    target.logger.debug(
      { ...describe(target, req), error: failure?.message ?? String(error), ms: Math.round(performance.now() - started), attempt },
      'http request failed',
    );
    throw failure ?? error;
  }
}

/** An answer whose body is read as it arrives (see openStream). */
export interface HttpStream {
  status: number;
  headers: IncomingHttpHeaders;
  body: AsyncIterable<Buffer>;
}

/**
 * Sends one request and returns as soon as the head arrives; the body is the caller's to
 * read, with the deadline applying to each wait for bytes rather than to the whole (a
 * whole-filter answer may take minutes to arrive). Failures map as in sendOnce; errors met
 * while reading the body are mapped by transportFailure.
 */
export async function openStream(target: HttpTarget, req: HttpRequest, attempt: number, signal?: AbortSignal): Promise<HttpStream> {
  const started = performance.now();
  try {
    const response = await send(target, req, signal);
    target.logger.debug(
      { ...describe(target, req), status: response.statusCode, ms: Math.round(performance.now() - started), attempt, streamed: true },
      'http request',
    );
    return { status: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    throw transportFailure(target, req, error, signal);
  }
}

/** What an error from sending or reading a streamed answer means: the caller's abort, a TransientError, or a bug. */
export function transportFailure(target: HttpTarget, req: HttpRequest, error: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  const failure = networkFailure(error, false, target.timeoutMs);
  target.logger.debug({ ...describe(target, req), error: failure?.message ?? String(error) }, 'http request failed');
  return failure ?? error;
}

/** The text a latin1Body read stands for: what the usual read gives (UTF-8, a leading BOM dropped). */
export function utf8FromLatin1(body: string): string {
  const bytes = Buffer.from(body, 'latin1');
  const start = bytes.length > 2 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString('utf8', start);
}

/** The request on the wire: the target's pool, and its timeout for the head and for each wait for body bytes. */
function send(target: HttpTarget, req: HttpRequest, signal: AbortSignal | undefined) {
  return request(req.url, {
    method: req.method,
    headers: req.headers,
    body: req.body,
    dispatcher: target.dispatcher,
    signal,
    headersTimeout: target.timeoutMs,
    bodyTimeout: target.timeoutMs,
  });
}

/** What a log line says about a request: never headers or body (they carry the credentials). */
function describe(target: HttpTarget, req: HttpRequest): Record<string, unknown> {
  return { service: target.service, method: req.method, path: req.url.pathname, operation: req.operation };
}

/** The TransientError for a failed attempt, or undefined when the error is not a network one (a bug). */
function networkFailure(error: unknown, timedOut: boolean, timeoutMs: number): TransientError | undefined {
  const code = errorCode(error);
  if (timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new TransientError('timeout', `no complete answer within ${Math.round(timeoutMs / 1000)} s`, { cause: error });
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new TransientError('unreachable', `cannot connect (${code})`, { cause: error });
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new TransientError('network', `connection failed (${code})`, { cause: error });
  }
  if (error instanceof Error && /socket|terminated|closed/i.test(error.message)) {
    return new TransientError('network', `connection failed (${error.message})`, { cause: error });
  }
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Object && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    // AggregateError from happy-eyeballs connects: take the first inner error's code.
    const inner = (current as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner.length > 0) return errorCode(inner[0]);
  }
  return undefined;
}

/** The wait a response's `Retry-After` asks for, capped by the policy; undefined when absent. */
export function retryAfterOf(response: HttpResponse, policy: RetryPolicy): number | undefined {
  return parseRetryAfter(response.headers['retry-after'], { nowMs: policy.now(), capMs: policy.retryAfterCapMs });
}

/** The TransientError for a transient status, with the server's `Retry-After` applied. */
export function statusFailure(response: HttpResponse, policy: RetryPolicy, detail?: string): TransientError {
  return new TransientError('status', `HTTP ${response.status}${detail ? `: ${detail}` : ''}`, {
    status: response.status,
    retryAfterMs: retryAfterOf(response, policy),
  });
}
