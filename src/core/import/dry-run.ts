/**
 * The dry run's plan (product.md §7): the same fetch and plan as a real import, against
 * the same watermarks and confirmed payloads, with nothing applied. It opens nothing for
 * writing: the caller passes a read-only state store and no lock is taken.
 */
import type { Config } from '../../config/schema.js';
import { gateConsent } from '../consent-gate.js';
import { planContact, type PlanItem } from '../plan.js';
import type { CadenceSink, ConnectSource, StateStore } from '../ports.js';
import { prepareRun, selectFilters, type ImportOptions } from './run-import.js';
import { describeStart, filterStart, planFilter, planLookups, type FilterStart } from './planner.js';
import { RunTally } from './tally.js';
import type { ContactIssue } from '../types.js';

export type DryRunEvent =
  | { type: 'filter'; start: FilterStart; note?: string }
  | { type: 'contact'; item: PlanItem; filterIds: number[]; name: string; mobileNumber: string; source: 'connect' | 'retry' }
  | { type: 'warning'; message: string };

export interface DryRunSummary {
  matched: number;
  create: number;
  update: number;
  unchanged: number;
  errors: number;
  warnings: number;
  perFilter: Record<string, { matched: number; create: number; update: number; unchanged: number; errors: number }>;
}

export interface DryRunDeps {
  connect: ConnectSource;
  cadence: CadenceSink;
  store: Pick<StateStore, 'getConfirmed' | 'getConfirmedOptedOut' | 'getConsent' | 'holdsAny' | 'getWatermark' | 'listRetries'>;
  signal?: AbortSignal;
}

/**
 * Plans an import and yields every event a printer needs; the summary comes back as the
 * generator's return value. Contacts returned by several filters are yielded once.
 */
export async function* planImport(config: Config, deps: DryRunDeps, options: ImportOptions = {}): AsyncGenerator<DryRunEvent, DryRunSummary> {
  const filterIds = selectFilters(config, options.filterIds);
  const setup = await prepareRun(config, deps);
  for (const message of setup.warnings) yield { type: 'warning', message };
  const tally = new RunTally(config.criteria.filterIds);
  const actions = new Map<string, PlanItem['action']>();
  const waiting = new Set(deps.store.listRetries().map((entry) => entry.contactId));
  const lookups = planLookups(deps.store, config.optOut !== undefined);
  // The dry run plans as a run starting now would.
  const runStartedAt = new Date();
  for (const filterId of filterIds) {
    const start = filterStart({ config, filterId, names: setup.names, watermark: deps.store.getWatermark(filterId), full: options.full === true, runStartedAt });
    yield { type: 'filter', start, note: describeStart(start) };
    const pages = planFilter({
      sources: { connect: deps.connect, store: deps.store },
      start,
      rules: setup.rules,
      attributes: setup.attributes,
      tally,
      lookups,
      newest: {},
      runStartedAt,
      signal: deps.signal,
    });
    for await (const page of pages) {
      const planned: DryRunContact[] = [];
      for (const { item, mapped, sighting } of page.contacts) {
        if (mapped.issues.some((issue) => issue.severity === 'warning')) tally.warned(item.contactId);
        if (sighting === 'same') continue;
        // As in the run: a waiting contact is sent from its current version, even when unchanged.
        const sent: PlanItem = waiting.delete(item.contactId) && item.action === 'unchanged' ? { ...item, action: 'update', changes: {} } : item;
        const { firstName, lastName, mobileNumber } = mapped.reportFields;
        planned.push({ type: 'contact', item: sent, filterIds: [filterId], name: `${firstName} ${lastName}`.trim(), mobileNumber, source: 'connect' });
      }
      for (const event of gateContacts(planned, deps.store, tally)) {
        actions.set(event.item.contactId, event.item.action);
        yield event;
      }
      for (const { key, contactId, report, issue } of page.unreadable) {
        actions.set(key, 'error');
        const item: PlanItem = { action: 'error', contactId, issues: [issue] };
        yield { type: 'contact', item, filterIds: [filterId], name: `${report.firstName} ${report.lastName}`.trim(), mobileNumber: report.mobileNumber, source: 'connect' };
      }
    }
  }
  // As in the run: the retry table goes last, without the contacts a filter returned.
  const retries = deps.store.listRetries().filter((entry) => waiting.has(entry.contactId));
  const retried = deps.store.getConfirmed(retries.map((entry) => entry.contactId));
  const planned: DryRunContact[] = retries.map((entry) => {
    tally.sight(entry.contactId, -1, entry.filterIds);
    const mapped = { contactId: entry.contactId, payload: entry.payload, issues: [] as ContactIssue[], reportFields: entry.payload };
    const item = planContact(mapped, retried.get(entry.contactId));
    // The retry is sent whatever the plan says: the last send did not go through.
    const sent: PlanItem = item.action === 'unchanged' ? { ...item, action: 'update', changes: {} } : item;
    return { type: 'contact', item: sent, filterIds: entry.filterIds, name: `${entry.payload.firstName} ${entry.payload.lastName}`, mobileNumber: entry.payload.mobileNumber, source: 'retry' };
  });
  for (const event of gateContacts(planned, deps.store, tally)) {
    actions.set(event.item.contactId, event.item.action);
    yield event;
  }
  return summarise(tally, actions, config.criteria.filterIds);
}

type DryRunContact = Extract<DryRunEvent, { type: 'contact' }>;

/**
 * Passes the contacts that would be sent through the import's consent gate, with what the
 * state holds now (the import decides with what it holds when each batch leaves): what is
 * shown is what would go on the wire, and a conflict is a warning, as in the run.
 */
function gateContacts(events: DryRunContact[], store: DryRunDeps['store'], tally: RunTally): DryRunContact[] {
  const sending = events.filter(({ item }) => (item.action === 'create' || item.action === 'update') && item.payload.optedOut !== undefined);
  if (sending.length === 0) return events;
  const ids = sending.map(({ item }) => item.contactId);
  const confirmed = store.getConfirmedOptedOut(ids);
  const consent = store.getConsent(ids);
  return events.map((event) => {
    const { item } = event;
    if (item.action !== 'create' && item.action !== 'update') return event;
    const id = item.contactId;
    const decision = gateConsent({ payload: item.payload, confirmed: confirmed.has(id) ? { optedOut: confirmed.get(id) } : undefined, consent: consent.get(id) });
    if (decision.conflict === undefined) return event;
    tally.warned(id);
    const warnings = [...item.warnings, decision.conflict];
    if (item.action === 'create') return { ...event, item: { ...item, payload: decision.wire, warnings } };
    const { optedOut: _kept, ...changes } = item.changes;
    return { ...event, item: { ...item, payload: decision.wire, changes, warnings } };
  });
}

function summarise(tally: RunTally, actions: ReadonlyMap<string, PlanItem['action']>, configured: readonly number[]): DryRunSummary {
  const zero = () => ({ matched: 0, create: 0, update: 0, unchanged: 0, errors: 0 });
  const summary: DryRunSummary = { ...zero(), warnings: 0, perFilter: {} };
  for (const id of configured) summary.perFilter[String(id)] = zero();
  for (const [contactId, action] of actions) {
    const key = action === 'error' ? 'errors' : action;
    summary.matched += 1;
    summary[key] += 1;
    for (const filterId of tally.filtersOf(contactId)) {
      const counts = summary.perFilter[String(filterId)]!;
      counts.matched += 1;
      counts[key] += 1;
    }
  }
  summary.warnings = tally.counts().warnings;
  return summary;
}
