/**
 * The Cadence client: cadence-api.md's endpoints over JSON with Basic auth, implementing
 * CadenceSink. 429 and 5xx are retried honouring Retry-After. Credentials, a wrong team
 * code, an unknown custom field and malformed answers are ExternalServiceErrors (the run
 * ends); an import batch whose transient failures outlive every retry is a
 * TransientFailure, so the run goes on and its contacts wait in the retry table.
 */
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { CadenceConfig } from '../../config/schema.js';
import type { CadenceSink, OptOutPosition } from '../../core/ports.js';
import type { OptOutChange } from '../../core/types.js';
import { ExternalServiceError, TransientFailure } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { createAgent, sendOnce, statusFailure, TRANSIENT_STATUSES, type HttpResponse, type HttpTarget } from '../http/request.js';
import { RetriesExhausted, retryPolicy, TransientError, withRetry, type RetryPolicy } from '../http/retry.js';
import { importBatch, type PollSettings } from './import-batch.js';
import { ErrorBody, FieldsList, OptOutsPage, readPlainOptOutsPage, UsersList } from './schema.js';

export interface CadenceClientOptions {
  logger?: Logger;
  retry?: Partial<RetryPolicy>;
  /** An undici dispatcher to use instead of the client's own keep-alive agent (not closed by close()). */
  dispatcher?: Dispatcher;
  /** Polling of import batches: first wait, longest wait, and when to give up (defaults 100 ms, 2 s, cadence.batchTimeoutSeconds). */
  pollInterval?: Partial<PollSettings>;
  /** Times a batch is sent again after `failed`, an unknown batch or unmatched results (default 3). */
  maxResends?: number;
}

export type CadenceClient = CadenceSink & { close(): Promise<void> };

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

/** Creates the client; call close() when done to release its connections. */
export function createCadenceClient(config: CadenceConfig, options: CadenceClientOptions = {}): CadenceClient {
  const logger = options.logger ?? silentLogger();
  const policy = retryPolicy(options.retry);
  const timeoutMs = config.timeoutSeconds * 1000;
  const ownAgent = options.dispatcher ? undefined : createAgent({ connections: config.concurrency + 2, timeoutMs });
  const target: HttpTarget = { service: 'Cadence', dispatcher: options.dispatcher ?? ownAgent!, timeoutMs, logger };
  const base = new URL(config.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const dept = encodeURIComponent(config.deptCode);
  const authorization = `Basic ${Buffer.from(`${config.apiKey}:${config.apiSecret}`, 'utf8').toString('base64')}`;
  const poll: PollSettings = { initialMs: 100, maxMs: 2000, giveUpAfterMs: config.batchTimeoutSeconds * 1000, ...options.pollInterval };

  /** Keeps the secret out of anything built from the server's words. */
  function redact(text: string): string {
    return text.split(config.apiSecret).join('[redacted]');
  }

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
        async (attempt) => interpret(request, await sendOnce(target, { method: request.method, url, headers, body }, attempt, signal)),
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

  /** What one answer means: data, a transient failure to retry, or a fatal ExternalServiceError. */
  function interpret(request: JsonRequest, response: HttpResponse): JsonResponse {
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
  function validate<Schema extends z.ZodType>(schema: Schema, data: unknown, what: string): z.output<Schema> {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    throw new ExternalServiceError('Cadence', `malformed answer (${what}): ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }

  /**
   * The optouts feed from `from`, page by page. Each page comes with the position to store
   * once it is handled: while the listing goes on, its cursor; after the last page,
   * `{ since: <newest changedAt> }` and no cursor. `since` is inclusive, so the next
   * listing repeats the changes at that instant: the consumer drops those it already
   * handled (the state store keeps their keys beside the position).
   */
  async function* optOutChanges(from: OptOutPosition): AsyncGenerator<{ changes: OptOutChange[]; position: OptOutPosition }> {
    let cursor = from.cursor;
    // The newest changedAt so far; written out (as ISO) only when a position is handed over.
    let newestAt = from.since === undefined ? undefined : Date.parse(from.since);
    let newestIsFeed = false;
    const newestIso = () => (newestIsFeed ? new Date(newestAt!).toISOString() : from.since!);
    // A feed that leads back to a cursor it gave, or says more remain while giving none, would be read for ever.
    const cursors = new Set<string>();
    const ask = (at: string | undefined) => {
      const answer = requestJson({ method: 'GET', path: `/v2/contacts/${dept}/optouts`, query: { since: from.since, cursor: at }, purpose: 'read' });
      // Awaited below; a consumer that stops early leaves it unawaited, which is no error.
      answer.catch(() => undefined);
      return answer;
    };
    let asked = ask(cursor);
    for (;;) {
      const { data } = await asked;
      const page = readPlainOptOutsPage(data) ?? validate(OptOutsPage, data, 'optouts');
      for (const change of page.changes) {
        const at = Date.parse(change.changedAt);
        if (newestAt === undefined || at >= newestAt) {
          newestAt = at;
          newestIsFeed = true;
        }
      }
      if (page.nextCursor !== null) {
        if (page.nextCursor === cursor || cursors.has(page.nextCursor)) {
          throw new ExternalServiceError('Cadence', 'malformed answer (optouts): a cursor came back that was given before');
        }
        if (page.changes.length === 0) throw new ExternalServiceError('Cadence', 'malformed answer (optouts): an empty page says more changes remain');
        cursors.add(page.nextCursor);
        cursor = page.nextCursor;
        // The next page is asked for before this one is handed over: Cadence answers while
        // the caller handles this one (a feed read after a big import is hundreds of pages).
        asked = ask(cursor);
        yield { changes: page.changes, position: from.since === undefined ? { cursor } : { since: from.since, cursor } };
      } else {
        yield { changes: page.changes, position: newestAt === undefined ? {} : { since: newestIso() } };
        return;
      }
    }
  }

  return {
    async getUsers() {
      const { data } = await requestJson({ method: 'GET', path: `/v2/users/${dept}`, purpose: 'read' });
      return validate(UsersList, data, 'users').users;
    },
    async getFields() {
      const { data } = await requestJson({ method: 'GET', path: `/v2/fields/${dept}`, purpose: 'read' });
      return validate(FieldsList, data, 'fields').fields;
    },
    importBatch(contacts, signal) {
      return importBatch(contacts, { requestJson, validate, dept, poll, maxResends: options.maxResends ?? 3, sleep: policy.sleep, logger }, signal);
    },
    optOutChanges,
    async close() {
      await ownAgent?.close();
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
