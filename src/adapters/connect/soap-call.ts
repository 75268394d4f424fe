/**
 * One Connect method over SOAP 1.1 (connect-api.md): the request with the credentials,
 * the retries of transient failures, and what an answer means: its returndata, a transient
 * failure to retry, or an ExternalServiceError (with the config key to check) that ends
 * the run. The PassKey goes into request bodies only: never into logs, errors or hints.
 */
import type { Dispatcher } from 'undici';
import type { ConnectConfig } from '../../config/schema.js';
import { ExternalServiceError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { createAgent, retryAfterOf, sendOnce, statusFailure, TRANSIENT_STATUSES, utf8FromLatin1, type HttpRequest, type HttpResponse, type HttpTarget } from '../http/request.js';
import { RetriesExhausted, TransientError, withRetry, type RetryPolicy } from '../http/retry.js';
import { scanContactsAnswer } from './contacts-scan.js';
import { PagingError } from './keyset.js';
import { MalformedResponse } from './schema.js';
import { buildEnvelope, readEnvelope, readResult, soapAction, UnparseableResponse, type Envelope, type ResultDocument } from './soap.js';

export const ENDPOINT_HINT = 'check connect.endpoint';

/** Application errors whose cause is a config key, and that key. */
const CREDENTIALS = /Invalid ClientName or PassKey|Passkey is invalid/i;
const CREDENTIALS_HINT = 'check connect.clientName / connect.passKey';
const ERROR_HINTS: readonly (readonly [RegExp, string])[] = [
  [CREDENTIALS, CREDENTIALS_HINT],
  [/^Unknown attribute:/i, 'check standardFields, optOut.field and additionalFields[].contactField'],
  [/^Unknown filter:/i, 'check criteria.filterIds'],
  [/^Unknown source code:/i, 'check criteria.sourceCode'],
];

/** A method's parameters after the credentials, in order. */
export type Params = readonly (readonly [string, string])[];

export interface SoapCaller {
  /** Where and how requests go (the service's name, dispatcher, timeout, logger). */
  target: HttpTarget;
  policy: RetryPolicy;
  /** The POST request of a method, credentials first. */
  request(method: string, params: Params): HttpRequest;
  /** Calls a method and returns its `<returndata>`, retrying transient failures. */
  call(method: string, params: Params, signal?: AbortSignal): Promise<unknown>;
  /** What one complete HTTP answer means: the returndata, or a transient or fatal failure. */
  interpret(method: string, response: HttpResponse): unknown;
  /** An application error's message as the run's error, with the config key to check. */
  applicationError(text: string): ExternalServiceError;
  /** A failure as the run's error (ExternalServiceError); other errors as they are. */
  asServiceError(error: unknown, method: string): unknown;
  /** Converts a returndata, mapping contract breaches to ExternalServiceError. */
  convert<T>(method: string, convertData: () => T): T;
  /** Releases the caller's own connections (not a dispatcher it was given). */
  close(): Promise<void>;
}

/** The caller of one client: its own keep-alive agent unless given a dispatcher. */
export function createSoapCaller(config: ConnectConfig, options: { logger: Logger; policy: RetryPolicy; dispatcher?: Dispatcher | undefined }): SoapCaller {
  const { logger, policy } = options;
  const ownAgent = options.dispatcher ? undefined : createAgent({ connections: 4, timeoutMs: config.timeoutSeconds * 1000 });
  const target: HttpTarget = {
    service: 'Connect',
    dispatcher: options.dispatcher ?? ownAgent!,
    timeoutMs: config.timeoutSeconds * 1000,
    logger,
  };
  const url = new URL(config.endpoint);
  const redact = (text: string) => redactPassKey(text, config.passKey);

  function request(method: string, params: Params): HttpRequest {
    const body = buildEnvelope(method, [['ClientName', config.clientName], ['PassKey', config.passKey], ...params]);
    const headers = { 'content-type': 'text/xml; charset=utf-8', soapaction: soapAction(method) };
    return { method: 'POST', url, headers, body, operation: method };
  }

  async function call(method: string, params: Params, signal?: AbortSignal): Promise<unknown> {
    // Contact pages are large: read as latin1, decoded only where needed (interpret).
    const latin1: HttpRequest = { ...request(method, params), latin1Body: method === 'GetFilterContacts' };
    try {
      return await withRetry(
        async (attempt) => interpret(method, await sendOnce(target, latin1, attempt, signal)),
        { policy, signal, logger, context: { service: 'Connect', operation: method } },
      );
    } catch (error) {
      throw asServiceError(error, method);
    }
  }

  function interpret(method: string, response: HttpResponse): unknown {
    if (method === 'GetFilterContacts') {
      // The large, frequent answer, read as latin1 (see call): scanned as it is when it has
      // the plain shape, otherwise decoded as any other answer and read in full.
      if (response.status === 200) {
        const scanned = scanContactsAnswer(response.body, { latin1: true });
        if (scanned) return scanned;
      }
      response = { ...response, body: utf8FromLatin1(response.body) };
    }
    return interpretEnvelope(method, response, policy, redact);
  }

  function applicationError(text: string): ExternalServiceError {
    return applicationErrorOf(text, redact);
  }

  function asServiceError(error: unknown, method: string): unknown {
    return serviceErrorOf(error, method, redact);
  }

  function convert<T>(method: string, convertData: () => T): T {
    try {
      return convertData();
    } catch (error) {
      throw asServiceError(error, method);
    }
  }

  async function close(): Promise<void> {
    await ownAgent?.close();
  }

  return { target, policy, request, call, interpret, applicationError, asServiceError, convert, close };
}

/** An application error's message as the run's error, with the config key to check. */
function applicationErrorOf(text: string, redact: (text: string) => string): ExternalServiceError {
  const message = redact(text);
  const hint = ERROR_HINTS.find(([pattern]) => pattern.test(message))?.[1];
  return new ExternalServiceError('Connect', message, hint ? { hint } : {});
}

/** Keeps the PassKey out of anything built from the server's words. */
function redactPassKey(text: string, passKey: string): string {
  return text.split(passKey).join('[redacted]');
}

/** What a decoded answer's envelope means: the returndata, or a transient or fatal failure. */
function interpretEnvelope(method: string, response: HttpResponse, policy: RetryPolicy, redact: (text: string) => string): unknown {
  if (response.status !== 200 && response.status !== 500) {
    if (TRANSIENT_STATUSES.has(response.status)) throw statusFailure(response, policy);
    throw new ExternalServiceError('Connect', `${method}: unexpected HTTP ${response.status}`, { hint: ENDPOINT_HINT });
  }
  let envelope: Envelope;
  let result: ResultDocument | undefined;
  try {
    envelope = readEnvelope(response.body, method);
    if (envelope.kind === 'result' && response.status === 200) result = readResult(envelope.document);
  } catch (error) {
    if (!(error instanceof UnparseableResponse)) throw error;
    // Transient once (a cut connection, a proxy's error page), then fatal: never "no contacts".
    throw new TransientError('unparseable', `unparseable answer to ${method} (HTTP ${response.status}): ${redact(error.message)}`, {
      status: response.status,
      maxFailures: 2,
    });
  }
  if (envelope.kind === 'fault') {
    const fault = redact(`${envelope.code}: ${envelope.message}`);
    if (CREDENTIALS.test(envelope.message)) throw new ExternalServiceError('Connect', `${method} was refused: SOAP fault ${fault}`, { hint: CREDENTIALS_HINT });
    if (envelope.side === 'server') {
      throw new TransientError('fault', `SOAP fault ${fault}`, { status: response.status, retryAfterMs: retryAfterOf(response, policy) });
    }
    throw new ExternalServiceError('Connect', `${method} was refused: SOAP fault ${fault}`);
  }
  if (!result) throw statusFailure(response, policy, 'a result with a server error status');
  if (result.kind === 'error') throw applicationErrorOf(result.message, redact);
  return result.returndata;
}

/** A failure as the run's error: retries exhausted, a malformed answer, paging that cannot go on. */
function serviceErrorOf(error: unknown, method: string, redact: (text: string) => string): unknown {
  if (error instanceof RetriesExhausted) {
    const { last, attempts } = error;
    const hint = last.kind === 'unreachable' || last.kind === 'network' || last.kind === 'timeout' ? ENDPOINT_HINT : undefined;
    const what =
      last.kind === 'unreachable'
        ? `unreachable after ${attempts} attempts`
        : last.kind === 'unparseable'
          ? `malformed answers to ${method} after ${attempts} attempts`
          : `${method} failed after ${attempts} attempts`;
    return new ExternalServiceError('Connect', `${what}: ${last.message}`, { hint, cause: last });
  }
  if (error instanceof MalformedResponse) {
    return new ExternalServiceError('Connect', `malformed answer: ${redact(error.message)}`, { cause: error });
  }
  if (error instanceof PagingError) return new ExternalServiceError('Connect', redact(error.message), { cause: error });
  return error;
}
