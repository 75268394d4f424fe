/**
 * One Cadence JSON request (cadence-api.md): Basic auth, retries of 429 and 5xx honouring
 * Retry-After, and what an answer means: its data, a transient failure to retry, or an
 * ExternalServiceError (with the config key to check) that ends the run. An import batch
 * whose transient failures outlive every retry is a TransientFailure instead. The API
 * secret never appears in what is built from the server's words.
 */
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { CadenceConfig } from '../../config/schema.js';
import { ExternalServiceError, TransientFailure } from '../../errors.js';
import type { Logger } from '../../log.js';
import { createAgent, sendOnce, statusFailure, TRANSIENT_STATUSES, type HttpResponse, type HttpTarget } from '../http/request.js';
import { RetriesExhausted, TransientError, withRetry, type RetryPolicy } from '../http/retry.js';
import { ErrorBody } from './schema.js';

/** One JSON request as the client makes it. */
export interface JsonRequest {
  method: 'GET' | 'POST';
  /** Path below the base URL, segments already encoded. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** `batch`: a 404 is returned (an unknown batch); otherwise it means a wrong team code. */
  notFound?: 'batch';
  /** `import`: transient failures that outlive the retries are TransientFailure (the run goes on). */
  purpose: 'import' | 'read';
}

/** A successful (or, with notFound `batch`, 404) answer with its parsed JSON body. */
export interface JsonResponse {
  status: number;
  data: unknown;
}

export type RequestJson = (request: JsonRequest, signal?: AbortSignal) => Promise<JsonResponse>;

const CREDENTIALS_HINT = 'check cadence.apiKey / cadence.apiSecret';
const BASE_URL_HINT = 'check cadence.baseUrl';

export interface JsonCaller {
  requestJson: RequestJson;
  /** Releases the caller's own connections (not a dispatcher it was given). */
  close(): Promise<void>;
}

/** The requests of one client: its own keep-alive agent unless given a dispatcher. */
export function createJsonCaller(config: CadenceConfig, options: { logger: Logger; policy: RetryPolicy; dispatcher?: Dispatcher | undefined }): JsonCaller {
  const { logger, policy } = options;
  const timeoutMs = config.timeoutSeconds * 1000;
  const ownAgent = options.dispatcher ? undefined : createAgent({ connections: config.concurrency + 2, timeoutMs });
  const target: HttpTarget = { service: 'Cadence', dispatcher: options.dispatcher ?? ownAgent!, timeoutMs, logger };
  const base = new URL(config.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${config.apiKey}:${config.apiSecret}`, 'utf8').toString('base64')}`;
  const redact = (text: string) => text.split(config.apiSecret).join('[redacted]');

  function urlFor(path: string, query: Record<string, string | undefined> = {}): URL {
    const url = new URL(base.origin);
    url.pathname = prefix + path;
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    return url;
  }

  const requestJson: RequestJson = async (request, signal) => {
    const headers: Record<string, string> = { authorization, accept: 'application/json' };
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    const url = urlFor(request.path, request.query);
    try {
      return await withRetry(
        async (attempt) => interpret(request, await sendOnce(target, { method: request.method, url, headers, body }, attempt, signal), policy, redact),
        { policy, signal, logger, context: { service: 'Cadence', path: url.pathname } },
      );
    } catch (error) {
      if (!(error instanceof RetriesExhausted)) throw error;
      const { last, attempts } = error;
      const message = `${request.method} ${url.pathname} failed after ${attempts} attempts: ${last.message}`;
      if (last.kind === 'unreachable') throw new ExternalServiceError('Cadence', `unreachable after ${attempts} attempts: ${last.message}`, { hint: BASE_URL_HINT, cause: last });
      if (last.kind === 'unparseable') throw new ExternalServiceError('Cadence', `malformed answers: ${message}`, { cause: last });
      if (request.purpose === 'import') throw new TransientFailure('Cadence', message, { cause: last });
      throw new ExternalServiceError('Cadence', message, { hint: last.kind === 'status' ? undefined : BASE_URL_HINT, cause: last });
    }
  };

  async function close(): Promise<void> {
    await ownAgent?.close();
  }

  return { requestJson, close };
}

/** What one answer means: data, a transient failure to retry, or a fatal ExternalServiceError. */
function interpret(request: JsonRequest, response: HttpResponse, policy: RetryPolicy, redact: (text: string) => string): JsonResponse {
  const { status } = response;
  if (status >= 200 && status < 300) {
    try {
      return { status, data: JSON.parse(response.body) as unknown };
    } catch {
      throw new TransientError('unparseable', `HTTP ${status} with a body that is not JSON`, { status, maxFailures: 2 });
    }
  }
  const error = ErrorBody.safeParse(safeJson(response.body)).data?.error;
  const detail = error ? redact(`${error.code}: ${error.message}`) : undefined;
  const said = detail ? ` (${detail})` : '';
  if (TRANSIENT_STATUSES.has(status)) throw statusFailure(response, policy, detail);
  if (status === 401 || status === 403) throw new ExternalServiceError('Cadence', `credentials refused (HTTP ${status})${said}`, { hint: CREDENTIALS_HINT });
  if (status === 404 && request.notFound === 'batch') return { status, data: undefined };
  if (status === 404) throw new ExternalServiceError('Cadence', `not found (HTTP 404) at ${request.path}${said}`, { hint: 'check cadence.deptCode' });
  if (status === 400 && error?.code === 'UNKNOWN_FIELD') {
    throw new ExternalServiceError('Cadence', `the import names a field Cadence does not have: ${redact(error.message)}`, {
      hint: "check additionalFields[].cadenceField against Cadence's Fields page",
    });
  }
  if (status === 413) {
    throw new ExternalServiceError('Cadence', `too many contacts in one request (HTTP 413)${said}; connect-sync sends at most 1,000, so this is a bug`);
  }
  throw new ExternalServiceError('Cadence', `${request.method} ${request.path} answered HTTP ${status}${said}`);
}

/** Validates an answer; a mismatch is a malformed answer (fatal). */
export function validate<Schema extends z.ZodType>(schema: Schema, data: unknown, what: string): z.output<Schema> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ExternalServiceError('Cadence', `malformed answer (${what}): ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
