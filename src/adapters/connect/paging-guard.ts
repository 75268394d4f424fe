/**
 * The guard of keyset mode (connect-api.md "Capabilities"): an `.asmx` service ignores
 * request elements it does not know, so an instance without ModifiedSince, StartingRecord
 * and EndingRecord answers the whole filter as "page 1". Pure.
 */
import type { ConnectClock } from './dates.js';
import type { PageRequest } from './keyset.js';

/**
 * Whether a keyset page shows the instance ignored the paging parameters: more records
 * than asked, or a first record dated before ModifiedSince (Connect's order puts the oldest
 * first). Constant work per page: the keyset path stays as fast as it was. A first record
 * in the repeated autumn hour proves nothing: its local time may name the later instant,
 * after a ModifiedSince that reads earlier on the wall clock.
 */
export function ignoredPaging(query: PageRequest, records: readonly { modifiedLocal: string }[], clock: ConnectClock, isRepeated: (local: string) => boolean): string | undefined {
  const asked = query.endingRecord - query.startingRecord + 1;
  if (records.length > asked) return `${records.length} records when ${asked} were asked`;
  const first = records[0];
  if (first === undefined || query.modifiedSince === '' || isRepeated(first.modifiedLocal)) return undefined;
  const since = clock.parse(query.modifiedSince)?.getTime();
  const dated = clock.parse(first.modifiedLocal)?.getTime();
  if (since !== undefined && dated !== undefined && dated < since) return `a record dated ${first.modifiedLocal} when ModifiedSince was ${query.modifiedSince}`;
  return undefined;
}
