/**
 * Hostile Cadence answers for the bad-input tests, rewritten from the emulator's real
 * ones (see hostile-proxy.ts): receipts and batches of the wrong shape, results that do
 * not match what was sent, users that are not a list, and optouts feeds that never end.
 */
import type { CannedResponse } from '../support/http-server.js';
import { rewriteJson, type Exchange, type Tamper } from './hostile-proxy.js';

/** What the run must come to: refused (exit 3), or completed with the batch's contacts left for the next run (exit 1). */
export type CadenceVerdict = 'refused' | 'deferred';

export interface CadenceCase {
  name: string;
  verdict: CadenceVerdict;
  tamper: Tamper;
}

const IMPORT = /^POST \/v2\/contacts\/[^/]+\/import$/;
const BATCH = /^GET \/v2\/Imports\/[^/]+$/;
const USERS = /^GET \/v2\/users\/[^/]+$/;
export const OPTOUTS = /^GET \/v2\/contacts\/[^/]+\/optouts$/;

/**
 * Rewrites the answers of one endpoint (the batch poll: only `completed` ones). The
 * optouts feed is answered whatever the emulator said (it refuses the hostile cursors).
 */
export function on(endpoint: RegExp, change: (exchange: Exchange) => CannedResponse): Tamper {
  return (exchange) => {
    if (!endpoint.test(exchange.operation) || (exchange.status >= 300 && endpoint !== OPTOUTS)) return 'pass';
    if (endpoint === BATCH && !exchange.body.includes('"completed"')) return 'pass';
    return change(exchange);
  };
}

const json = (status: number, body: unknown): CannedResponse => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The cases for the import path. */
export function cadenceCases(): CadenceCase[] {
  const refused = (name: string, tamper: Tamper): CadenceCase => ({ name, verdict: 'refused', tamper });
  const deferred = (name: string, tamper: Tamper): CadenceCase => ({ name, verdict: 'deferred', tamper });
  return [
    refused('a receipt without batchIdentifier', on(IMPORT, () => json(202, { status: 'queued', count: 3 }))),
    refused('a receipt that is an HTML page', on(IMPORT, () => ({ status: 202, headers: { 'content-type': 'text/html' }, body: '<html>Accepted</html>' }))),
    refused('a completed batch without results', on(BATCH, (exchange) => rewriteJson(exchange, ({ results: _results, ...rest }) => rest))),
    refused('a batch status nobody knows', on(BATCH, (exchange) => rewriteJson(exchange, (batch) => ({ ...batch, status: 'done' })))),
    refused('results that are an object', on(BATCH, (exchange) => rewriteJson(exchange, (batch) => ({ ...batch, results: { first: batch.results[0] } })))),
    refused('an outcome nobody knows', on(BATCH, (exchange) => rewriteJson(exchange, (batch) => ({ ...batch, results: batch.results.map((result: object) => ({ ...result, outcome: 'merged' })) })))),
    refused('a rejection without errorCode', on(BATCH, (exchange) => rewriteJson(exchange, (batch) => ({ ...batch, results: batch.results.map((result: object) => ({ ...result, outcome: 'rejected' })) })))),
    refused('a batch that is null', on(BATCH, () => json(200, null))),
    refused('users that are not a list', on(USERS, () => json(200, { users: 'everyone' }))),
    refused('users as a bare list', on(USERS, (exchange) => rewriteJson(exchange, (data) => data.users))),
    deferred('results for other contacts', on(BATCH, (exchange) => rewriteJson(exchange, (batch) => ({ ...batch, results: batch.results.map((result: { uniqueCampusId: string }) => ({ ...result, uniqueCampusId: `9${result.uniqueCampusId}` })) })))),
    deferred('results missing a contact', on(BATCH, (exchange) => rewriteJson(exchange, (batch) => ({ ...batch, results: batch.results.slice(1) })))),
    deferred('one result twice, another missing', on(BATCH, (exchange) => rewriteJson(exchange, (batch) => ({ ...batch, results: [batch.results[0], ...batch.results.slice(0, -1)] })))),
  ];
}

/** Optouts feeds that would keep a reader busy for ever. */
export function endlessFeeds(): { name: string; tamper: Tamper }[] {
  return [
    { name: 'cursors that go round in a circle', tamper: on(OPTOUTS, (exchange) => json(200, { changes: [], nextCursor: `c${exchange.index % 2}` })) },
    { name: 'empty pages with ever new cursors', tamper: on(OPTOUTS, (exchange) => json(200, { changes: [], nextCursor: `c${exchange.index}` })) },
  ];
}

/** Optouts feeds that cannot be read. */
export function unreadableFeeds(): { name: string; tamper: Tamper }[] {
  return [
    { name: 'changes that are not a list', tamper: on(OPTOUTS, () => json(200, { changes: 'none', nextCursor: null })) },
    { name: 'a changedAt that is no date', tamper: on(OPTOUTS, (exchange) => rewriteJson(exchange, (page) => ({ ...page, changes: page.changes.map((change: object) => ({ ...change, changedAt: 'just now' })) }))) },
    { name: 'a feed that answers HTML', tamper: on(OPTOUTS, () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>maintenance</html>' })) },
  ];
}
