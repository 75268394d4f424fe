/** Cadence's opt-out feed (`GET /v2/contacts/{deptCode}/optouts`, cadence-api.md), read page by page. */
import type { OptOutPosition } from '../../core/ports.js';
import type { OptOutChange } from '../../core/types.js';
import { ExternalServiceError } from '../../errors.js';
import { validate, type RequestJson } from './json-request.js';
import { OptOutsPage, readPlainOptOutsPage } from './schema.js';

/**
 * The optouts feed from `from`, page by page. Each page comes with the position to store
 * once it is handled: while the listing goes on, its cursor; after the last page,
 * `{ since: <newest changedAt> }` and no cursor. `since` is inclusive, so the next
 * listing repeats the changes at that instant: the consumer drops those it already
 * handled (the state store keeps their keys beside the position).
 */
export async function* optOutChanges(requestJson: RequestJson, dept: string, from: OptOutPosition): AsyncGenerator<{ changes: OptOutChange[]; position: OptOutPosition }> {
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
