/**
 * The Cadence client: cadence-api.md's endpoints over JSON with Basic auth, implementing
 * CadenceSink. Requests and what their answers mean are in json-request.ts, import batches
 * in import-batch.ts, the opt-out feed in optout-feed.ts.
 */
import type { Dispatcher } from 'undici';
import type { CadenceConfig } from '../../config/schema.js';
import type { CadenceSink } from '../../core/ports.js';
import { silentLogger, type Logger } from '../../log.js';
import { retryPolicy, type RetryPolicy } from '../http/retry.js';
import { importBatch, type PollSettings } from './import-batch.js';
import { createJsonCaller, validate } from './json-request.js';
import { optOutChanges } from './optout-feed.js';
import { FieldsList, UsersList } from './schema.js';

export type { JsonRequest, JsonResponse, RequestJson } from './json-request.js';

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

/** Creates the client; call close() when done to release its connections. */
export function createCadenceClient(config: CadenceConfig, options: CadenceClientOptions = {}): CadenceClient {
  const logger = options.logger ?? silentLogger();
  const policy = retryPolicy(options.retry);
  const { requestJson, close } = createJsonCaller(config, { logger, policy, dispatcher: options.dispatcher });
  const dept = encodeURIComponent(config.deptCode);
  const poll: PollSettings = { initialMs: 100, maxMs: 2000, giveUpAfterMs: config.batchTimeoutSeconds * 1000, ...options.pollInterval };

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
    optOutChanges: (from) => optOutChanges(requestJson, dept, from),
    close,
  };
}
