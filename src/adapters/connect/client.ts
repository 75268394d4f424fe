/**
 * The Connect client: connect-api.md's methods over SOAP 1.1, implementing ConnectSource.
 * Transient failures are retried (see the errors table); everything that outlives its
 * retries or breaks the contract becomes an ExternalServiceError, which ends the run.
 * The PassKey goes into request bodies only: never into logs, errors or hints.
 */
import type { Dispatcher } from 'undici';
import type { ConnectConfig } from '../../config/schema.js';
import type { ConnectSource, FetchOptions } from '../../core/ports.js';
import type { ConnectContact } from '../../core/types.js';
import { ExternalServiceError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { createAgent, retryAfterOf, sendOnce, statusFailure, TRANSIENT_STATUSES, utf8FromLatin1, type HttpRequest, type HttpResponse, type HttpTarget } from '../http/request.js';
import { RetriesExhausted, retryPolicy, TransientError, withRetry, type RetryPolicy } from '../http/retry.js';
import { connectClock, type ConnectClock } from './dates.js';
import { createKeysetPager, PagingError, repeatedLocalTimes, type KeysetPager, type PageRequest } from './keyset.js';
import { readAhead } from './read-ahead.js';
import { readWsdl, type Capabilities } from './capabilities.js';
import { createPagingChoice, type PagingChoice } from './paging-choice.js';
import { readWholeFilter, type WholeReadDeps } from './whole.js';
import { ignoredPaging } from './paging-guard.js';
import { ScannedContacts, scanContactsAnswer } from './contacts-scan.js';
import { MalformedResponse, toAttributes, toContact, toFilters, toSourceCodes, toUpdateResult, toWirePage, wirePageFromScan, type WireContact } from './schema.js';
import {
  attributeNamesXml,
  attributeValuesXml,
  buildEnvelope,
  filterIdsXml,
  readEnvelope,
  readResult,
  soapAction,
  UnparseableResponse,
  type Envelope,
  type ResultDocument,
} from './soap.js';

export interface ConnectClientOptions {
  logger?: Logger;
  retry?: Partial<RetryPolicy>;
  /** An undici dispatcher to use instead of the client's own keep-alive agent (not closed by close()). */
  dispatcher?: Dispatcher;
  /** Records each page re-reads to notice contacts that moved meanwhile (default 5). */
  overlap?: number;
  /** Re-reads from record 1 in a row at one modifieddate before giving up (default 10). */
  maxRestarts?: number;
}

export type ConnectClient = ConnectSource & {
  /** How filters will be read this run, and why; reads the WSDL when connect.paging is auto. */
  pagingPlan: PagingChoice['plan'];
  /** The instance's WSDL, as read (once) for this client. */
  capabilities(): Promise<Capabilities>;
  close(): Promise<void>;
};

const ENDPOINT_HINT = 'check connect.endpoint';

/** Contact pages read ahead of the caller, at most (each a few hundred contacts). */
const READ_AHEAD_PAGES = 2;

/** Application errors whose cause is a config key, and that key. */
const CREDENTIALS = /Invalid ClientName or PassKey|Passkey is invalid/i;
const CREDENTIALS_HINT = 'check connect.clientName / connect.passKey';
const ERROR_HINTS: readonly (readonly [RegExp, string])[] = [
  [CREDENTIALS, CREDENTIALS_HINT],
  [/^Unknown attribute:/i, 'check standardFields, optOut.field and additionalFields[].contactField'],
  [/^Unknown filter:/i, 'check criteria.filterIds'],
  [/^Unknown source code:/i, 'check criteria.sourceCode'],
];

/** Creates the client; call close() when done to release its connections. */
export function createConnectClient(config: ConnectConfig, options: ConnectClientOptions = {}): ConnectClient {
  const logger = options.logger ?? silentLogger();
  const policy = retryPolicy(options.retry);
  const ownAgent = options.dispatcher ? undefined : createAgent({ connections: 4, timeoutMs: config.timeoutSeconds * 1000 });
  const target: HttpTarget = {
    service: 'Connect',
    dispatcher: options.dispatcher ?? ownAgent!,
    timeoutMs: config.timeoutSeconds * 1000,
    logger,
  };
  const url = new URL(config.endpoint);
  const clock = connectClock(config.timeZone);
  const isRepeatedLocalTime = repeatedLocalTimes(clock);
  const isReadableLocalTime = (local: string) => clock.parse(local) !== undefined;

  /** Keeps the PassKey out of anything built from the server's words. */
  function redact(text: string): string {
    return text.split(config.passKey).join('[redacted]');
  }

  /** Calls a method and returns its `<returndata>`, retrying transient failures. */
  async function call(method: string, params: readonly (readonly [string, string])[], signal?: AbortSignal): Promise<unknown> {
    const body = buildEnvelope(method, [['ClientName', config.clientName], ['PassKey', config.passKey], ...params]);
    const headers = { 'content-type': 'text/xml; charset=utf-8', soapaction: soapAction(method) };
    // Contact pages are large: read as latin1, decoded only where needed (interpret).
    const request: HttpRequest = { method: 'POST', url, headers, body, operation: method, latin1Body: method === 'GetFilterContacts' };
    try {
      return await withRetry(
        async (attempt) => interpret(method, await sendOnce(target, request, attempt, signal)),
        { policy, signal, logger, context: { service: 'Connect', operation: method } },
      );
    } catch (error) {
      throw asServiceError(error, method);
    }
  }

  /** What one HTTP answer means: the returndata, or a transient or fatal failure. */
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
    if (result.kind === 'error') throw applicationError(result.message);
    return result.returndata;
  }

  /** An application error's message as the run's error, with the config key to check. */
  function applicationError(text: string): ExternalServiceError {
    const message = redact(text);
    const hint = ERROR_HINTS.find(([pattern]) => pattern.test(message))?.[1];
    return new ExternalServiceError('Connect', message, hint ? { hint } : {});
  }

  function asServiceError(error: unknown, method: string): unknown {
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

  /** Converts a returndata, mapping contract breaches to ExternalServiceError. */
  function convert<T>(method: string, convertData: () => T): T {
    try {
      return convertData();
    } catch (error) {
      throw asServiceError(error, method);
    }
  }

  /** The instance's WSDL, read at most once (a run creates one client). */
  async function readCapabilities(): Promise<Capabilities> {
    const wsdl = new URL(config.endpoint);
    wsdl.search = 'WSDL';
    try {
      const response = await sendOnce(target, { method: 'GET', url: wsdl, headers: { accept: 'text/xml' }, operation: 'WSDL' }, 1);
      if (response.status !== 200) return { kind: 'unavailable', reason: `HTTP ${response.status}` };
      return readWsdl(response.body);
    } catch (error) {
      if (error instanceof TransientError) return { kind: 'unavailable', reason: error.message };
      throw error;
    }
  }
  const paging = createPagingChoice(config.paging, readCapabilities, logger);

  async function* fetchFilterContacts(filterId: number, attributes: readonly string[], fetch: FetchOptions = {}): AsyncGenerator<ConnectContact[]> {
    const fixed = [
      ['FilterIdsXml', filterIdsXml(filterId)],
      ['AttributesXml', attributeNamesXml([...new Set(attributes)])],
    ] as const;
    if ((await paging.modeFor(filterId)) === 'whole') {
      yield* readWhole(fixed, fetch);
      fetch.onReadWhole?.();
      return;
    }
    let ignored: string | undefined;
    yield* readKeyset(filterId, fixed, fetch, (why) => (ignored = why));
    if (ignored === undefined) return;
    paging.switchToWhole(filterId);
    logger.warn({ filterId, evidence: ignored }, 'Connect ignored the paging parameters; reading the filter whole for this run');
    fetch.onNotice?.(`filter ${filterId}: Connect ignored the paging parameters (${ignored}); read whole for this run`);
    yield* readWhole(fixed, fetch);
    fetch.onReadWhole?.();
  }

  /** The filter in one streamed answer, with the four public parameters only. */
  function readWhole(fixed: Params, fetch: FetchOptions): AsyncGenerator<ConnectContact[]> {
    const body = buildEnvelope('GetFilterContacts', [['ClientName', config.clientName], ['PassKey', config.passKey], ...fixed]);
    const headers = { 'content-type': 'text/xml; charset=utf-8', soapaction: soapAction('GetFilterContacts') };
    const request: HttpRequest = { method: 'POST', url, headers, body, operation: 'GetFilterContacts' };
    const deps: WholeReadDeps = {
      target,
      policy,
      clock,
      interpret: (response) => interpret('GetFilterContacts', response),
      applicationError,
      convert: (convertData) => convert('GetFilterContacts', convertData),
    };
    return readAhead<ConnectContact[]>(READ_AHEAD_PAGES, async (push, stop) => {
      const signal = fetch.signal ? AbortSignal.any([fetch.signal, stop]) : stop;
      try {
        await readWholeFilter(deps, request, push, signal);
      } catch (error) {
        throw asServiceError(error, 'GetFilterContacts');
      }
    });
  }

  /**
   * Keyset paging (see keyset.ts). A page that shows the instance ignored the paging
   * parameters ends it early through `onIgnored`, before anything of that page is used.
   */
  async function* readKeyset(filterId: number, fixed: Params, fetch: FetchOptions, onIgnored: (why: string) => void): AsyncGenerator<ConnectContact[]> {
    const pager = createKeysetPager<WireContact>({
      modifiedSince: fetch.since ? clock.format(fetch.since) : '',
      pageSize: config.pageSize,
      overlap: options.overlap ?? 5,
      maxRestarts: options.maxRestarts ?? 10,
      isRepeatedLocalTime,
      isReadableLocalTime,
    });
    // Pages are read ahead of the caller, in their own loop (see read-ahead.ts).
    yield* readAhead<ConnectContact[]>(READ_AHEAD_PAGES, async (push, stop) => {
      const signal = fetch.signal ? AbortSignal.any([fetch.signal, stop]) : stop;
      const ask = (query: PageRequest): PendingCall => {
        const early = new AbortController();
        const params = [...fixed, ['ModifiedSince', query.modifiedSince], ['StartingRecord', String(query.startingRecord)], ['EndingRecord', String(query.endingRecord)]] as const;
        const answer = call('GetFilterContacts', params, AbortSignal.any([signal, early.signal]));
        // Awaited in its turn, or dropped when the page before it breaks the contract.
        answer.catch(() => undefined);
        return { query, answer, cancel: () => early.abort() };
      };
      let pending = nextCall(pager, ask);
      try {
        while (pending) {
          const { query, answer } = pending;
          const returndata = await answer;
          const page = convert('GetFilterContacts', () =>
            returndata instanceof ScannedContacts ? wirePageFromScan(returndata, query.startingRecord) : toWirePage(returndata, query.startingRecord),
          );
          const ignored = ignoredPaging(query, page.contacts, clock, isRepeatedLocalTime);
          if (ignored !== undefined) {
            onIgnored(ignored);
            return;
          }
          const { fresh, restarted } = convert('GetFilterContacts', () => pager.accept(page.contacts, page.total));
          if (restarted) {
            logger.warn({ filterId, modifiedSince: query.modifiedSince }, 'contacts changed while paging; re-reading from the first record at this date');
          }
          logger.debug({ filterId, ...query, received: page.contacts.length, fresh: fresh.length, total: page.total }, 'contacts page');
          // The next page depends only on this one's keys: it is asked for now, and travels
          // while this one is checked and converted (the chain of calls is what a run waits on).
          pending = nextCall(pager, ask);
          // A turn of the event loop before the work below, so the call is on the wire while it
          // runs: without it, the request leaves only after the page's checks, a delay added to
          // every page (README, benchmark section).
          if (pending) await new Promise<void>((resolve) => setImmediate(resolve));
          // Every record is checked, also those paging drops (repeats, a page read again): an
          // answer that breaks the contract ends the run, and the call just sent with it.
          const contacts = convert('GetFilterContacts', () => freshContacts(page.contacts, fresh, clock));
          if (contacts.length > 0) await push(contacts);
        }
      } finally {
        pending?.cancel();
      }
    });
  }

  return {
    async getAttributes() {
      const returndata = await call('GetAllAttributes', []);
      return convert('GetAllAttributes', () => toAttributes(returndata));
    },
    async getFilters() {
      const returndata = await call('GetAllFilters', []);
      return convert('GetAllFilters', () => toFilters(returndata));
    },
    async getSourceCodes() {
      const returndata = await call('GetSourceCodes', []);
      return convert('GetSourceCodes', () => toSourceCodes(returndata));
    },
    fetchFilterContacts,
    pagingPlan: () => paging.plan(),
    capabilities: () => paging.capabilities(),
    async updateContact(contactId, values, sourceCode) {
      const returndata = await call('UpdateContact', [
        ['ContactId', contactId],
        ['AttributesXml', attributeValuesXml(values)],
        ['SourceCode', sourceCode],
      ]);
      return convert('UpdateContact', () => toUpdateResult(returndata, contactId, clock));
    },
    async close() {
      await ownAgent?.close();
    },
  };
}

type Params = readonly (readonly [string, string])[];

/** A GetFilterContacts call on its way. */
interface PendingCall {
  query: PageRequest;
  answer: Promise<unknown>;
  cancel(): void;
}

/** Sends the call for the pager's next page, if there is one. */
function nextCall(pager: KeysetPager<WireContact>, ask: (query: PageRequest) => PendingCall): PendingCall | undefined {
  const query = pager.next();
  return query && ask(query);
}

/** Converts every record of a page (each is checked) and keeps those paging found new, in order. */
function freshContacts(records: readonly WireContact[], fresh: readonly WireContact[], clock: ConnectClock): ConnectContact[] {
  const contacts: ConnectContact[] = [];
  let next = 0;
  for (const record of records) {
    const contact = toContact(record, clock);
    if (fresh[next] === record) {
      contacts.push(contact);
      next += 1;
    }
  }
  return contacts;
}
