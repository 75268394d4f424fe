/**
 * The emulator's contacts, indexed so that a page costs O(log n + page size) however many
 * contacts there are: per filter, an array ordered by (modifiedAt, id) where ModifiedSince
 * is a binary search and a page is a slice; by id, a sorted array. Contacts are never
 * mutated: a change replaces the contact object, and the indexes move it.
 */
import type { SandboxContact } from '../generate.js';

export interface FilterPage {
  /** Contacts of the filter modified at or after `since`, over all pages. */
  total: number;
  contacts: SandboxContact[];
}

export interface ContactStore {
  get(id: number): SandboxContact | undefined;
  hasFilter(filterId: number): boolean;
  /** Records `start..end` (1-based, inclusive) of the filter's contacts modified at or after `since` (ms). */
  page(filterId: number, since: number | undefined, start: number, end: number): FilterPage;
  /** Replaces contacts by id (same id and filters, new values or modifiedAt); the last of repeated ids wins. */
  replace(updated: readonly SandboxContact[]): void;
}

/** Below this many changes a filter's array is spliced in place; above, it is rebuilt in one pass. */
const SPLICE_LIMIT = 32;

/** Builds the indexes; the contacts themselves are shared, not copied. */
export function createContactStore(contacts: readonly SandboxContact[], filterIds: readonly number[]): ContactStore {
  const byId = sortedById(contacts);
  for (let index = 1; index < byId.length; index++) {
    if (byId[index]!.id === byId[index - 1]!.id) throw new Error(`duplicate contact id ${byId[index]!.id}`);
  }
  const byFilter = new Map<number, SandboxContact[]>(filterIds.map((id) => [id, []]));
  for (const contact of sortedByModified(byId)) {
    for (const filterId of contact.filterIds) byFilter.get(filterId)?.push(contact);
  }

  function indexOfId(id: number): number {
    let low = 0;
    let high = byId.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (byId[middle]!.id < id) low = middle + 1;
      else high = middle;
    }
    return low < byId.length && byId[low]!.id === id ? low : -1;
  }

  function replace(changes: readonly SandboxContact[]): void {
    const updated = [...new Map(changes.map((contact) => [contact.id, contact])).values()];
    const previous = updated.map((contact) => {
      const index = indexOfId(contact.id);
      if (index === -1) throw new Error(`unknown contact ${contact.id}`);
      const old = byId[index]!;
      byId[index] = contact;
      return old;
    });
    for (const [filterId, list] of byFilter) {
      const removed = previous.filter((contact) => contact.filterIds.includes(filterId));
      const added = updated.filter((contact) => contact.filterIds.includes(filterId));
      if (removed.length + added.length === 0) continue;
      if (removed.length + added.length <= SPLICE_LIMIT) {
        for (const contact of removed) {
          const index = lowerBound(list, contact.modifiedAt, contact.id);
          if (list[index] !== contact) throw new Error(`index of filter ${filterId} lost contact ${contact.id}`);
          list.splice(index, 1);
        }
        for (const contact of added) list.splice(lowerBound(list, contact.modifiedAt, contact.id), 0, contact);
      } else {
        byFilter.set(filterId, rebuilt(list, removed, added));
      }
    }
  }

  return {
    get: (id) => {
      const index = indexOfId(id);
      return index === -1 ? undefined : byId[index];
    },
    hasFilter: (filterId) => byFilter.has(filterId),
    page(filterId, since, start, end) {
      const list = byFilter.get(filterId) ?? [];
      const first = since === undefined ? 0 : lowerBound(list, since, 0);
      return { total: list.length - first, contacts: list.slice(first + start - 1, Math.min(first + end, list.length)) };
    },
    replace,
  };
}

/** The first index whose contact is at or after (modifiedAt, id). */
function lowerBound(list: readonly SandboxContact[], modifiedAt: number, id: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const contact = list[middle]!;
    if (contact.modifiedAt < modifiedAt || (contact.modifiedAt === modifiedAt && contact.id < id)) low = middle + 1;
    else high = middle;
  }
  return low;
}

function compareModified(a: SandboxContact, b: SandboxContact): number {
  return a.modifiedAt - b.modifiedAt || a.id - b.id;
}

/** The list without `removed`, with `added` merged in order: O(n + k log k). */
function rebuilt(list: readonly SandboxContact[], removed: readonly SandboxContact[], added: readonly SandboxContact[]): SandboxContact[] {
  const gone = removed.map((contact) => lowerBound(list, contact.modifiedAt, contact.id)).sort((a, b) => a - b);
  const incoming = [...added].sort(compareModified);
  const result: SandboxContact[] = [];
  let nextGone = 0;
  let next = 0;
  for (let index = 0; index < list.length; index++) {
    if (index === gone[nextGone]) {
      nextGone++;
      continue;
    }
    const contact = list[index]!;
    while (next < incoming.length && compareModified(incoming[next]!, contact) < 0) result.push(incoming[next++]!);
    result.push(contact);
  }
  while (next < incoming.length) result.push(incoming[next++]!);
  return result;
}

function sortedById(contacts: readonly SandboxContact[]): SandboxContact[] {
  const copy = contacts.slice();
  for (let index = 1; index < copy.length; index++) {
    if (copy[index]!.id < copy[index - 1]!.id) return copy.sort((a, b) => a.id - b.id);
  }
  return copy;
}

/**
 * `byId` ordered by (modifiedAt, id). With whole-second dates the order fits in one
 * float key (seconds × n + position in id order), and a Float64Array sorts a million
 * keys far faster than a comparator sort of objects.
 */
function sortedByModified(byId: readonly SandboxContact[]): SandboxContact[] {
  const count = byId.length;
  const wholeSeconds = byId.every((contact) => contact.modifiedAt % 1000 === 0 && contact.modifiedAt >= 0);
  const maxSeconds = byId.reduce((max, contact) => Math.max(max, contact.modifiedAt / 1000), 0);
  if (!wholeSeconds || (maxSeconds + 1) * count > Number.MAX_SAFE_INTEGER) return byId.slice().sort(compareModified);
  const keys = new Float64Array(count);
  for (let index = 0; index < count; index++) keys[index] = (byId[index]!.modifiedAt / 1000) * count + index;
  keys.sort();
  const result: SandboxContact[] = new Array(count);
  for (let index = 0; index < count; index++) result[index] = byId[keys[index]! % count]!;
  return result;
}
