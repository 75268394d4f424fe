/**
 * Counts of one run (product.md §6): every distinct contact the filters returned is
 * matched once, and ends imported (created, updated, unchanged), as an error, or, when
 * the run stops early, not processed (no outcome yet); so `matched = imported + errors +
 * notProcessed` holds by construction. Per filter, a contact counts in
 * every filter that returned it.
 *
 * A first import may see a million contacts, and the run's counts are stored after every
 * batch (progress survives a kill), so: per contact, a slot of ~30 bytes in typed arrays
 * (an open-addressing table from contact id to slot, outside the garbage-collected heap);
 * and the counts are kept up to date as contacts change state (O(filters) per change)
 * instead of being recounted over every contact for each batch.
 */
import type { FilterCounts, RunCounts } from '../ports.js';
import type { ConfirmedOutcome } from '../types.js';
import type { ContactOutcome } from '../still-failing.js';
import type { Sighting } from './plan-page.js';

export type { Sighting } from './plan-page.js';

// A contact's state: its outcome in the low bits, WARNED on top.
const PENDING = 0;
const OUTCOME: Record<ConfirmedOutcome, number> = { created: 1, updated: 2, unchanged: 3 };
const FAILED = 4;
const OUTCOME_BITS = 7;
const WARNED = 8;
const INITIAL_SLOTS = 1024;


interface Counters extends FilterCounts {
  created: number;
  updated: number;
  unchanged: number;
  pending: number;
}

function zero(): Counters {
  return { matched: 0, imported: 0, errors: 0, warnings: 0, created: 0, updated: 0, unchanged: 0, pending: 0 };
}

export class RunTally {
  private readonly filterIds: readonly number[];
  /** Open addressing, linear probing: contact id's hash → slot + 1 (0: empty). At most half full. */
  private table = new Int32Array(INITIAL_SLOTS * 2);
  private size = 0;
  /** The contact id (as a number) of each slot. */
  private ids = new Float64Array(INITIAL_SLOTS);
  /** modifiedAt (ms) of the version processed; -1 for a retry-table payload; NaN: none yet. */
  private versions = new Float64Array(INITIAL_SLOTS);
  /** Bitmask of the filters (by index) that returned the contact. */
  private masks = new Int32Array(INITIAL_SLOTS);
  /** Outcome (PENDING, OUTCOME[…], FAILED), plus WARNED. */
  private states = new Uint8Array(INITIAL_SLOTS);
  private readonly total = zero();
  private readonly perFilter: Counters[];
  readonly writeBack = { written: 0, failed: 0, skipped: 0 };
  /** Raw ids of unreadable records that are not contact ids → the key each is counted under (a negative number). */
  private readonly unreadables = new Map<string, string>();

  constructor(filterIds: readonly number[]) {
    if (filterIds.length > 31) throw new Error('at most 31 filters per run');
    this.filterIds = filterIds;
    this.perFilter = filterIds.map(zero);
  }

  /**
   * Records that `filterId` returned the contact at `modifiedAt` and says whether the
   * run must process this version (`new`, `newer`) or already has (`same`).
   */
  sight(contactId: string, modifiedAtMs: number, filterId: number | readonly number[]): Sighting {
    const slot = this.slotOf(contactId);
    const mask = this.masks[slot]! | this.bitOf(filterId);
    const seen = this.versions[slot]!;
    if (!Number.isNaN(seen) && seen >= modifiedAtMs) {
      this.change(slot, this.states[slot]!, mask);
      return 'same';
    }
    this.versions[slot] = modifiedAtMs;
    // A newer version starts over: its outcome is the one that counts.
    this.change(slot, PENDING | (this.states[slot]! & WARNED), mask);
    return Number.isNaN(seen) ? 'new' : 'newer';
  }

  /**
   * The key an unreadable record is counted under: its contactid when that is one (a
   * contact whose date or a value cannot be read), else a key no contact id has, one per
   * raw id, so a record returned by two filters is one contact, as its report row is.
   */
  unreadableKey(rawId: string): string {
    if (/^0*[1-9]\d*$/.test(rawId) && Number.isSafeInteger(Number(rawId))) return rawId;
    let key = this.unreadables.get(rawId);
    if (key === undefined) {
      key = String(-(this.unreadables.size + 1));
      this.unreadables.set(rawId, key);
    }
    return key;
  }

  /** The version (modifiedAt in ms) of the contact the run took up; undefined when it took up none. */
  versionOf(contactId: string): number | undefined {
    const slot = this.find(Number(contactId));
    const version = slot < 0 ? Number.NaN : this.versions[slot]!;
    return Number.isNaN(version) ? undefined : version;
  }

  /** The mask bits of filter ids (unknown ones have none). */
  private bitOf(filterId: number | readonly number[]): number {
    if (typeof filterId === 'number') {
      const index = this.filterIds.indexOf(filterId);
      return index >= 0 ? 1 << index : 0;
    }
    let bits = 0;
    for (const each of filterId) bits |= this.bitOf(each);
    return bits;
  }

  /** Filter ids (configured order) that returned the contact so far. */
  filtersOf(contactId: string): number[] {
    const slot = this.find(Number(contactId));
    const mask = slot < 0 ? 0 : this.masks[slot]!;
    return this.filterIds.filter((_, index) => (mask & (1 << index)) !== 0);
  }

  /** What the run did with a contact so far (still-failing.ts). */
  outcomeOf(contactId: string): ContactOutcome {
    const slot = this.find(Number(contactId));
    if (slot < 0) return 'unseen';
    const outcome = this.states[slot]! & OUTCOME_BITS;
    return outcome === PENDING ? 'pending' : outcome === FAILED ? 'failed' : 'imported';
  }

  imported(contactId: string, outcome: ConfirmedOutcome): void {
    this.settle(contactId, OUTCOME[outcome]);
  }

  failed(contactId: string): void {
    this.settle(contactId, FAILED);
  }

  warned(contactId: string): void {
    const slot = this.slotOf(contactId);
    this.change(slot, this.states[slot]! | WARNED, this.masks[slot]!);
  }

  /** Whether the contact's outcome in this run is an error. */
  isFailed(contactId: string): boolean {
    const slot = this.find(Number(contactId));
    return slot >= 0 && (this.states[slot]! & OUTCOME_BITS) === FAILED;
  }

  /** Contacts whose outcome is not known yet (in a batch in flight). */
  get pending(): number {
    return this.total.pending;
  }

  /**
   * The counts so far. Contacts still pending are `notProcessed`: neither imported nor an
   * error (they have no report row); once a run completes, none is left.
   */
  counts(): RunCounts {
    const perFilter: Record<string, FilterCounts> = {};
    this.filterIds.forEach((id, index) => {
      const { matched, imported, errors, warnings, pending } = this.perFilter[index]!;
      perFilter[String(id)] = { matched, imported, errors, warnings, notProcessed: pending };
    });
    const { matched, imported, errors, warnings, created, updated, unchanged, pending } = this.total;
    return { matched, imported, errors, warnings, notProcessed: pending, created, updated, unchanged, perFilter, writeBack: { ...this.writeBack } };
  }

  private settle(contactId: string, outcome: number): void {
    const slot = this.slotOf(contactId);
    this.change(slot, outcome | (this.states[slot]! & WARNED), this.masks[slot]!);
  }

  /** The contact's slot; a contact seen for the first time is matched, pending, in no filter yet. */
  private slotOf(contactId: string): number {
    const id = Number(contactId);
    const found = this.find(id);
    if (found >= 0) return found;
    const slot = this.size++;
    if (slot === this.states.length) this.grow();
    this.ids[slot] = id;
    this.versions[slot] = Number.NaN;
    this.masks[slot] = 0;
    this.states[slot] = PENDING;
    if (this.size * 2 > this.table.length) this.rehash(this.table.length * 2);
    else this.place(slot);
    this.count(PENDING, 0, 1);
    return slot;
  }

  /** The slot of a contact id, or -1. */
  private find(id: number): number {
    const { table, ids } = this;
    const mask = table.length - 1;
    for (let at = hash(id) & mask; ; at = (at + 1) & mask) {
      const entry = table[at]!;
      if (entry === 0) return -1;
      const other = ids[entry - 1]!;
      // NaN never comes from a checked contact id, but is one key, as in a Map.
      if (other === id || (other !== other && id !== id)) return entry - 1;
    }
  }

  private place(slot: number): void {
    const { table } = this;
    const mask = table.length - 1;
    let at = hash(this.ids[slot]!) & mask;
    while (table[at] !== 0) at = (at + 1) & mask;
    table[at] = slot + 1;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size);
    for (let slot = 0; slot < this.size; slot++) this.place(slot);
  }

  /** Moves a contact to a new state and filter mask, keeping the counts in step. */
  private change(slot: number, state: number, mask: number): void {
    const oldState = this.states[slot]!;
    const oldMask = this.masks[slot]!;
    if (oldState === state && oldMask === mask) return;
    this.count(oldState, oldMask, -1);
    this.states[slot] = state;
    this.masks[slot] = mask;
    this.count(state, mask, 1);
  }

  private count(state: number, mask: number, sign: 1 | -1): void {
    const outcome = state & OUTCOME_BITS;
    addTo(this.total, state, sign);
    if (outcome === OUTCOME.created) this.total.created += sign;
    else if (outcome === OUTCOME.updated) this.total.updated += sign;
    else if (outcome === OUTCOME.unchanged) this.total.unchanged += sign;
    for (let index = 0; mask !== 0 && index < this.perFilter.length; index++) {
      if (mask & (1 << index)) addTo(this.perFilter[index]!, state, sign);
    }
  }

  private grow(): void {
    const size = this.states.length * 2;
    const ids = new Float64Array(size);
    ids.set(this.ids);
    this.ids = ids;
    const versions = new Float64Array(size);
    versions.set(this.versions);
    const masks = new Int32Array(size);
    masks.set(this.masks);
    const states = new Uint8Array(size);
    states.set(this.states);
    this.versions = versions;
    this.masks = masks;
    this.states = states;
  }
}

/** Adds (or with sign -1 takes away) one contact in `state` to a set of counts. */
function addTo(counters: Counters, state: number, sign: 1 | -1): void {
  const outcome = state & OUTCOME_BITS;
  counters.matched += sign;
  if (outcome === PENDING) counters.pending += sign;
  else if (outcome === FAILED) counters.errors += sign;
  else counters.imported += sign;
  if (state & WARNED) counters.warnings += sign;
}

/** Spreads integer ids (below 2^53) over the table's bits. */
function hash(id: number): number {
  const low = id >>> 0;
  const high = (id / 4294967296) >>> 0;
  let mixed = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1);
  mixed ^= mixed >>> 15;
  return mixed >>> 0;
}
