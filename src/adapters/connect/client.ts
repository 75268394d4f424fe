/**
 * The Connect client: connect-api.md's methods over SOAP 1.1, implementing ConnectSource.
 * One method call and what its answer means live in soap-call.ts; a filter is read by
 * keyset paging (keyset-read.ts) or whole in one streamed answer (whole.ts), as the
 * instance's WSDL and connect.paging decide (paging-choice.ts).
 */
import type { Dispatcher } from 'undici';
import type { ConnectConfig } from '../../config/schema.js';
import type { ConnectSource, FetchOptions } from '../../core/ports.js';
import type { ConnectContact } from '../../core/types.js';
import { silentLogger, type Logger } from '../../log.js';
import { sendOnce } from '../http/request.js';
import { retryPolicy, TransientError, type RetryPolicy } from '../http/retry.js';
import { readWsdl, type Capabilities } from './capabilities.js';
import { connectClock, type ConnectClock } from './dates.js';
import { repeatedLocalTimes } from './keyset.js';
import { READ_AHEAD_PAGES, readKeyset, type KeysetReadDeps } from './keyset-read.js';
import { createPagingChoice, type PagingChoice } from './paging-choice.js';
import { readAhead } from './read-ahead.js';
import { toAttributes, toFilters, toSourceCodes, toUpdateResult } from './schema.js';
import { attributeNamesXml, attributeValuesXml, filterIdsXml } from './soap.js';
import { createSoapCaller, type Params, type SoapCaller } from './soap-call.js';
import { readWholeFilter, type WholeReadDeps } from './whole.js';

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

/** Creates the client; call close() when done to release its connections. */
export function createConnectClient(config: ConnectConfig, options: ConnectClientOptions = {}): ConnectClient {
  const logger = options.logger ?? silentLogger();
  const caller = createSoapCaller(config, { logger, policy: retryPolicy(options.retry), dispatcher: options.dispatcher });
  const clock = connectClock(config.timeZone);
  const paging = createPagingChoice(config.paging, () => readCapabilities(caller, config.endpoint), logger);
  const keyset: KeysetReadDeps = {
    caller,
    clock,
    logger,
    pageSize: config.pageSize,
    overlap: options.overlap ?? 5,
    maxRestarts: options.maxRestarts ?? 10,
    isRepeatedLocalTime: repeatedLocalTimes(clock),
  };

  async function* fetchFilterContacts(filterId: number, attributes: readonly string[], fetch: FetchOptions = {}): AsyncGenerator<ConnectContact[]> {
    const fixed = [
      ['FilterIdsXml', filterIdsXml(filterId)],
      ['AttributesXml', attributeNamesXml([...new Set(attributes)])],
    ] as const;
    if ((await paging.modeFor(filterId)) === 'whole') {
      yield* readWhole(caller, clock, fixed, fetch);
      fetch.onReadWhole?.();
      return;
    }
    let ignored: string | undefined;
    yield* readKeyset(keyset, filterId, fixed, fetch, (why) => (ignored = why));
    if (ignored === undefined) return;
    paging.switchToWhole(filterId);
    logger.warn({ filterId, evidence: ignored }, 'Connect ignored the paging parameters; reading the filter whole for this run');
    fetch.onNotice?.(`filter ${filterId}: Connect ignored the paging parameters (${ignored}); read whole for this run`);
    yield* readWhole(caller, clock, fixed, fetch);
    fetch.onReadWhole?.();
  }

  return {
    getAttributes: () => callAndConvert(caller, 'GetAllAttributes', [], toAttributes),
    getFilters: () => callAndConvert(caller, 'GetAllFilters', [], toFilters),
    getSourceCodes: () => callAndConvert(caller, 'GetSourceCodes', [], toSourceCodes),
    fetchFilterContacts,
    pagingPlan: () => paging.plan(),
    capabilities: () => paging.capabilities(),
    updateContact(contactId, values, sourceCode) {
      const params = [
        ['ContactId', contactId],
        ['AttributesXml', attributeValuesXml(values)],
        ['SourceCode', sourceCode],
      ] as const;
      return callAndConvert(caller, 'UpdateContact', params, (returndata) => toUpdateResult(returndata, contactId, clock));
    },
    close: () => caller.close(),
  };
}

/** Calls a method and converts its returndata, contract breaches as the run's error. */
async function callAndConvert<T>(caller: SoapCaller, method: string, params: Params, toValue: (returndata: unknown) => T): Promise<T> {
  const returndata = await caller.call(method, params);
  return caller.convert(method, () => toValue(returndata));
}

/** The instance's WSDL, read at most once (a run creates one client). */
async function readCapabilities(caller: SoapCaller, endpoint: string): Promise<Capabilities> {
  const wsdl = new URL(endpoint);
  wsdl.search = 'WSDL';
  try {
    const response = await sendOnce(caller.target, { method: 'GET', url: wsdl, headers: { accept: 'text/xml' }, operation: 'WSDL' }, 1);
    if (response.status !== 200) return { kind: 'unavailable', reason: `HTTP ${response.status}` };
    return readWsdl(response.body);
  } catch (error) {
    if (error instanceof TransientError) return { kind: 'unavailable', reason: error.message };
    throw error;
  }
}

/** The filter in one streamed answer, with the four public parameters only. */
function readWhole(caller: SoapCaller, clock: ConnectClock, fixed: Params, fetch: FetchOptions): AsyncGenerator<ConnectContact[]> {
  const request = caller.request('GetFilterContacts', fixed);
  const deps: WholeReadDeps = {
    target: caller.target,
    policy: caller.policy,
    clock,
    interpret: (response) => caller.interpret('GetFilterContacts', response),
    applicationError: (message) => caller.applicationError(message),
    convert: (convertData) => caller.convert('GetFilterContacts', convertData),
  };
  return readAhead<ConnectContact[]>(READ_AHEAD_PAGES, async (push, stop) => {
    const signal = fetch.signal ? AbortSignal.any([fetch.signal, stop]) : stop;
    try {
      await readWholeFilter(deps, request, push, signal);
    } catch (error) {
      throw caller.asServiceError(error, 'GetFilterContacts');
    }
  });
}
