/**
 * The dry run (product.md §7): the run's own loop and plan, with a sink that prints instead
 * of sending. It writes nothing: the state is opened read-only and no lock is taken. What
 * would go on the wire passes the run's consent gate, with what the state holds now (the
 * run decides with what it holds when each batch leaves).
 */
import type { Config } from '../../config/schema.js';
import { gateConsent } from '../consent-gate.js';
import type { PlanItem } from '../plan.js';
import type { CadenceSink, ConnectSource, Watermark } from '../ports.js';
import type { OptOutJournal, SyncState } from '../state.js';
import type { FilterStart } from '../watermark.js';
import { syncFilters, type SyncSink } from './loop.js';
import type { PagePlan, PlannedRetry } from './plan-page.js';
import { prepareRun, selectFilters } from './setup.js';
import { RunTally } from './tally.js';

export type DryRunEvent =
  | { type: 'filter'; start: FilterStart; note?: string }
  | { type: 'contact'; item: PlanItem; filterIds: number[]; name: string; mobileNumber: string; source: 'connect' | 'retry' }
  | { type: 'warning'; message: string };

type DryRunContact = Extract<DryRunEvent, { type: 'contact' }>;

export interface DryRunSummary {
  matched: number;
  create: number;
  update: number;
  unchanged: number;
  errors: number;
  warnings: number;
  perFilter: Record<string, { matched: number; create: number; update: number; unchanged: number; errors: number }>;
}

export interface PreviewState {
  sync: Pick<SyncState, 'getWatermark' | 'getConfirmed' | 'getConfirmedOptedOut' | 'holdsAnyConfirmed' | 'listRetries'>;
  journal: Pick<OptOutJournal, 'getConsent' | 'holdsAny'>;
}

export interface PreviewDeps {
  connect: ConnectSource;
  cadence: Pick<CadenceSink, 'getUsers'>;
  state: PreviewState;
  signal?: AbortSignal;
}

/**
 * Plans an import as a run starting now would, and hands every event to `print`; resolves
 * with the summary. Contacts returned by several filters are printed once.
 */
export async function previewImport(
  config: Config,
  deps: PreviewDeps,
  options: { full?: boolean; filterIds?: readonly number[] },
  print: (event: DryRunEvent) => void,
): Promise<DryRunSummary> {
  const filterIds = selectFilters(config, options.filterIds);
  const setup = await prepareRun(config, deps);
  for (const message of setup.warnings) print({ type: 'warning', message });
  const sink = new PreviewSink(deps.state, print, config.criteria.filterIds);
  await syncFilters(config, deps, sink, { setup, filterIds, full: options.full === true, runStartedAt: new Date() }, { notes: [], readInFull: [] });
  return sink.summary();
}

/** The printer sink: what a real run would do, as events; counts of it for the summary. */
export class PreviewSink implements SyncSink {
  private readonly tally: RunTally;
  /** The last action shown per contact (its key in the tally). */
  private readonly actions = new Map<string, PlanItem['action']>();

  constructor(
    private readonly state: Pick<PreviewState, 'sync' | 'journal'>,
    private readonly print: (event: DryRunEvent) => void,
    private readonly configured: readonly number[],
  ) {
    this.tally = new RunTally(configured);
  }

  versionOf(contactId: string): number | undefined {
    return this.tally.versionOf(contactId);
  }

  startFilter(start: FilterStart, note: string | undefined): void {
    this.print({ type: 'filter', start, note });
  }

  async apply(plan: PagePlan): Promise<void> {
    const contacts: DryRunContact[] = [];
    const unreadable: DryRunContact[] = [];
    for (const entry of plan.entries) {
      if (entry.kind === 'unreadable') {
        const key = this.tally.unreadableKey(entry.contactId);
        if (this.tally.sight(key, 0, plan.filterId) === 'same') continue;
        this.actions.set(key, 'error');
        const item: PlanItem = { action: 'error', contactId: entry.contactId, issues: [entry.issue] };
        const { firstName, lastName, mobileNumber } = entry.report;
        unreadable.push({ type: 'contact', item, filterIds: [plan.filterId], name: `${firstName} ${lastName}`.trim(), mobileNumber, source: 'connect' });
        continue;
      }
      const { mapped, item } = entry;
      this.tally.sight(entry.contactId, entry.version, plan.filterId);
      if (mapped.issues.some((issue) => issue.severity === 'warning')) this.tally.warned(entry.contactId);
      if (entry.sighting === 'same') continue;
      const { firstName, lastName, mobileNumber } = mapped.reportFields;
      contacts.push({ type: 'contact', item, filterIds: [plan.filterId], name: `${firstName} ${lastName}`.trim(), mobileNumber, source: 'connect' });
    }
    this.show(await this.gate(contacts));
    // Counted under their keys above: a raw id may be anything.
    for (const event of unreadable) this.print(event);
  }

  async applyRetries(retries: readonly PlannedRetry[]): Promise<void> {
    const contacts = retries.map(({ entry, item }): DryRunContact => {
      this.tally.sight(entry.contactId, -1, entry.filterIds);
      const { firstName, lastName, mobileNumber } = entry.payload;
      return { type: 'contact', item, filterIds: entry.filterIds, name: `${firstName} ${lastName}`, mobileNumber, source: 'retry' };
    });
    this.show(await this.gate(contacts));
  }

  async complete(_watermarks: readonly Omit<Watermark, 'updatedAt'>[]): Promise<void> {}

  async abandon(): Promise<void> {}

  /** The counts of what was shown, per configured filter too. */
  summary(): DryRunSummary {
    const zero = () => ({ matched: 0, create: 0, update: 0, unchanged: 0, errors: 0 });
    const summary: DryRunSummary = { ...zero(), warnings: 0, perFilter: {} };
    for (const id of this.configured) summary.perFilter[String(id)] = zero();
    for (const [contactId, action] of this.actions) {
      const key = action === 'error' ? 'errors' : action;
      summary.matched += 1;
      summary[key] += 1;
      for (const filterId of this.tally.filtersOf(contactId)) {
        const counts = summary.perFilter[String(filterId)]!;
        counts.matched += 1;
        counts[key] += 1;
      }
    }
    summary.warnings = this.tally.counts().warnings;
    return summary;
  }

  private show(events: readonly DryRunContact[]): void {
    for (const event of events) {
      this.actions.set(event.item.contactId, event.item.action);
      this.print(event);
    }
  }

  /** What would go on the wire: the run's consent gate, a conflict shown as a warning, as in the run. */
  private async gate(events: DryRunContact[]): Promise<DryRunContact[]> {
    const sending = events.filter(({ item }) => (item.action === 'create' || item.action === 'update') && item.payload.optedOut !== undefined);
    if (sending.length === 0) return events;
    const ids = sending.map(({ item }) => item.contactId);
    const [confirmed, consent] = await Promise.all([this.state.sync.getConfirmedOptedOut(ids), this.state.journal.getConsent(ids)]);
    return events.map((event) => {
      const { item } = event;
      if (item.action !== 'create' && item.action !== 'update') return event;
      const id = item.contactId;
      const decision = gateConsent({ payload: item.payload, confirmed: confirmed.has(id) ? { optedOut: confirmed.get(id) } : undefined, consent: consent.get(id) });
      if (decision.conflict === undefined) return event;
      this.tally.warned(id);
      const warnings = [...item.warnings, decision.conflict];
      if (item.action === 'create') return { ...event, item: { ...item, payload: decision.wire, warnings } };
      const { optedOut: _kept, ...changes } = item.changes;
      return { ...event, item: { ...item, payload: decision.wire, changes, warnings } };
    });
  }
}
