import { describe, expect, it } from 'vitest';
import type { FilterCounts, RunCounts } from '../ports.js';
import type { ConfirmedOutcome } from '../types.js';
import { RunTally, type Sighting } from './tally.js';

/** The counting rules written the plain way (recount everything), to check RunTally against. */
class ReferenceTally {
  private readonly versions = new Map<string, number>();
  private readonly filters = new Map<string, Set<number>>();
  private readonly states = new Map<string, { outcome: 'pending' | ConfirmedOutcome | 'failed'; warned: boolean }>();
  constructor(private readonly filterIds: readonly number[]) {}

  sight(id: string, at: number, filterId: number | readonly number[]): Sighting {
    const set = this.filters.get(id) ?? new Set();
    for (const filter of typeof filterId === 'number' ? [filterId] : filterId) if (this.filterIds.includes(filter)) set.add(filter);
    this.filters.set(id, set);
    const seen = this.versions.get(id);
    if (seen !== undefined && seen >= at) return 'same';
    this.versions.set(id, at);
    this.states.set(id, { outcome: 'pending', warned: this.states.get(id)?.warned ?? false });
    return seen === undefined ? 'new' : 'newer';
  }
  filtersOf(id: string): number[] {
    return this.filterIds.filter((filter) => this.filters.get(id)?.has(filter));
  }
  settle(id: string, outcome: ConfirmedOutcome | 'failed'): void {
    this.states.set(id, { outcome, warned: this.states.get(id)?.warned ?? false });
  }
  warned(id: string): void {
    this.states.set(id, { outcome: this.states.get(id)?.outcome ?? 'pending', warned: true });
  }
  get pending(): number {
    return [...this.states.values()].filter((state) => state.outcome === 'pending').length;
  }
  counts(): Omit<RunCounts, 'writeBack'> {
    const empty = (): Required<FilterCounts> => ({ matched: 0, imported: 0, errors: 0, warnings: 0, notProcessed: 0 });
    const total = { ...empty(), created: 0, updated: 0, unchanged: 0 };
    const perFilter = Object.fromEntries(this.filterIds.map((id) => [String(id), empty()]));
    for (const [id, state] of this.states) {
      if (state.outcome === 'created' || state.outcome === 'updated' || state.outcome === 'unchanged') total[state.outcome] += 1;
      for (const counts of [total, ...[...(this.filters.get(id) ?? [])].map((filter) => perFilter[String(filter)]!)]) {
        counts.matched += 1;
        if (state.outcome === 'failed') counts.errors += 1;
        else if (state.outcome === 'pending') counts.notProcessed += 1;
        else counts.imported += 1;
        if (state.warned) counts.warnings += 1;
      }
    }
    return { ...total, perFilter };
  }
}

/** A small seeded generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RunTally', () => {
  it.each([1, 2, 3, 4])('keeps the same counts as a full recount through random runs (seed %i)', (seed) => {
    const filterIds = [70542, 70611, 70733];
    const tally = new RunTally(filterIds);
    const reference = new ReferenceTally(filterIds);
    const next = random(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    for (let step = 0; step < 5000; step++) {
      const id = String(100_000 + Math.floor(next() * 3000));
      const roll = next();
      if (roll < 0.45) {
        const at = pick([-1, 1000, 2000, 3000]);
        const filter = next() < 0.1 ? [pick(filterIds), 99] : pick([...filterIds, 99]);
        expect(tally.sight(id, at, filter)).toBe(reference.sight(id, at, filter));
      } else if (roll < 0.85) {
        const outcome = pick(['created', 'updated', 'unchanged', 'failed'] as const);
        if (outcome === 'failed') tally.failed(id);
        else tally.imported(id, outcome);
        reference.settle(id, outcome);
      } else {
        tally.warned(id);
        reference.warned(id);
      }
      if (step % 97 === 0) {
        const { writeBack, ...counts } = tally.counts();
        expect(counts).toEqual(reference.counts());
        expect(writeBack).toEqual({ written: 0, failed: 0, skipped: 0 });
        expect(tally.pending).toBe(reference.pending);
        expect(tally.filtersOf(id)).toEqual(reference.filtersOf(id));
      }
    }
    const { writeBack: _writeBack, ...counts } = tally.counts();
    expect(counts).toEqual(reference.counts());
    expect(counts.matched).toBe(counts.imported + counts.errors + counts.notProcessed);
    expect(counts.notProcessed).toBe(tally.pending);
  });

  it('tells many contacts apart, whatever their ids (large, sparse, zero-padded)', () => {
    const tally = new RunTally([1]);
    const ids = Array.from({ length: 5000 }, (_, index) => String(index % 2 === 0 ? 2 ** 52 + index * 7919 : 4_294_967_296 * (index + 1) + 1));
    for (const id of ids) expect(tally.sight(id, 1000, 1)).toBe('new');
    for (const id of ids) expect(tally.sight(id, 1000, 1)).toBe('same');
    expect(tally.sight('000' + ids[3], 2000, 1)).toBe('newer');
    ids.forEach((id, index) => (index % 3 === 0 ? tally.failed(id) : tally.imported(id, 'created')));
    expect(tally.counts()).toMatchObject({ matched: 5000, imported: 3333, errors: 1667, created: 3333 });
  });

  it('counts a contact once however many filters return it, and in each of them', () => {
    const tally = new RunTally([1, 2]);
    expect(tally.sight('7', 1000, 1)).toBe('new');
    expect(tally.sight('7', 1000, 2)).toBe('same');
    tally.imported('7', 'created');
    expect(tally.sight('7', 2000, 2)).toBe('newer');
    expect(tally.counts()).toMatchObject({ matched: 1, imported: 0, perFilter: { '1': { matched: 1 }, '2': { matched: 1 } } });
    tally.failed('7');
    expect(tally.counts()).toMatchObject({ matched: 1, imported: 0, errors: 1, created: 0 });
    expect(tally.filtersOf('7')).toEqual([1, 2]);
    expect(tally.filtersOf('8')).toEqual([]);
  });
});
