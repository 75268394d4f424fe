/**
 * Counts of one run (product.md §6): every distinct contact the filters returned is
 * matched once, and ends either imported (created, updated, unchanged) or as an error;
 * so `matched = imported + errors` holds by construction. Per filter, a contact counts in
 * every filter that returned it.
 *
 * Kept compact (numbers in Maps, no object per contact) because a first import may see a
 * million contacts.
 */
import type { FilterCounts, RunCounts } from '../ports.js';
import type { ConfirmedOutcome } from '../types.js';

// A contact's state: its outcome in the low bits, WARNED on top.
const PENDING = 0;
const OUTCOME: Record<ConfirmedOutcome, number> = { created: 1, updated: 2, unchanged: 3 };
const FAILED = 4;
const OUTCOME_BITS = 7;
const WARNED = 8;

/** Where a sighting of a contact stands against what the run already saw of it. */
export type Sighting = 'new' | 'same' | 'newer';

export class RunTally {
  private readonly filterIds: readonly number[];
  /** contact id → modifiedAt (ms) of the version processed; -1 for a retry-table payload. */
  private readonly versions = new Map<number, number>();
  /** contact id → bitmask of the filters (by index) that returned it. */
  private readonly filters = new Map<number, number>();
  /** contact id → outcome (PENDING, OUTCOME[…], FAILED), plus WARNED. */
  private readonly states = new Map<number, number>();
  readonly writeBack = { written: 0, failed: 0, skipped: 0 };

  constructor(filterIds: readonly number[]) {
    if (filterIds.length > 31) throw new Error('at most 31 filters per run');
    this.filterIds = filterIds;
  }

  /**
   * Records that `filterId` returned the contact at `modifiedAt` and says whether the
   * run must process this version (`new`, `newer`) or already has (`same`).
   */
  sight(contactId: string, modifiedAtMs: number, filterId: number | readonly number[]): Sighting {
    const id = Number(contactId);
    let mask = this.filters.get(id) ?? 0;
    for (const filter of typeof filterId === 'number' ? [filterId] : filterId) {
      const index = this.filterIds.indexOf(filter);
      if (index >= 0) mask |= 1 << index;
    }
    this.filters.set(id, mask);
    const seen = this.versions.get(id);
    if (seen !== undefined && seen >= modifiedAtMs) return 'same';
    this.versions.set(id, modifiedAtMs);
    // A newer version starts over: its outcome is the one that counts.
    this.states.set(id, PENDING | ((this.states.get(id) ?? 0) & WARNED));
    return seen === undefined ? 'new' : 'newer';
  }

  /** Filter ids (configured order) that returned the contact so far. */
  filtersOf(contactId: string): number[] {
    const mask = this.filters.get(Number(contactId)) ?? 0;
    return this.filterIds.filter((_, index) => (mask & (1 << index)) !== 0);
  }

  imported(contactId: string, outcome: ConfirmedOutcome): void {
    this.settle(contactId, OUTCOME[outcome]);
  }

  failed(contactId: string): void {
    this.settle(contactId, FAILED);
  }

  warned(contactId: string): void {
    const id = Number(contactId);
    this.states.set(id, (this.states.get(id) ?? PENDING) | WARNED);
  }

  /** Contacts whose outcome is not known yet (in a batch in flight). */
  get pending(): number {
    let count = 0;
    for (const state of this.states.values()) if ((state & OUTCOME_BITS) === PENDING) count += 1;
    return count;
  }

  /** The counts so far; contacts still pending count as neither imported nor error. */
  counts(): RunCounts {
    const perFilter: Record<string, FilterCounts> = {};
    for (const id of this.filterIds) perFilter[String(id)] = { matched: 0, imported: 0, errors: 0, warnings: 0 };
    const total: FilterCounts = { matched: 0, imported: 0, errors: 0, warnings: 0 };
    const outcomes = { created: 0, updated: 0, unchanged: 0 };
    for (const [id, state] of this.states) {
      const mask = this.filters.get(id) ?? 0;
      const outcome = state & OUTCOME_BITS;
      if (outcome === OUTCOME.created) outcomes.created += 1;
      else if (outcome === OUTCOME.updated) outcomes.updated += 1;
      else if (outcome === OUTCOME.unchanged) outcomes.unchanged += 1;
      const add = (counts: FilterCounts) => {
        counts.matched += 1;
        if (outcome !== PENDING && outcome !== FAILED) counts.imported += 1;
        if (outcome === FAILED) counts.errors += 1;
        if (state & WARNED) counts.warnings += 1;
      };
      add(total);
      this.filterIds.forEach((filterId, index) => {
        if (mask & (1 << index)) add(perFilter[String(filterId)]!);
      });
    }
    return { ...total, ...outcomes, perFilter, writeBack: { ...this.writeBack } };
  }

  private settle(contactId: string, outcome: number): void {
    const id = Number(contactId);
    this.states.set(id, outcome | ((this.states.get(id) ?? 0) & WARNED));
  }
}
