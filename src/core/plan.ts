/**
 * Planning (product.md §4, §7): mapped contacts plus the payloads Cadence last confirmed
 * become create / update / unchanged / error. Pure; dry-run prints the plan, import
 * applies it.
 */
import type { MappedContact } from './mapping/map-contact.js';
import type { CadenceContact, ContactIssue } from './types.js';

export interface FieldChange {
  old: unknown;
  new: unknown;
}

/** Field-level differences, keyed `firstName`, `optedOut`, `customFields.Program`, … */
export type PayloadChanges = Record<string, FieldChange>;

export type PlanItem =
  | { action: 'create'; contactId: string; payload: CadenceContact; warnings: ContactIssue[] }
  | { action: 'update'; contactId: string; payload: CadenceContact; changes: PayloadChanges; warnings: ContactIssue[] }
  | { action: 'unchanged'; contactId: string; payload: CadenceContact; warnings: ContactIssue[] }
  | { action: 'error'; contactId: string; issues: ContactIssue[] };

export type PlanAction = PlanItem['action'];

const WIRE_ORDER = ['uniqueCampusId', 'firstName', 'lastName', 'mobileNumber', 'staffId', 'optedOut', 'allowMobileUpdate', 'customFields'];

/**
 * The payload as stable JSON: top-level keys in wire order (any unknown key after them,
 * sorted), customFields keys sorted, undefined values left out.
 */
export function canonicalPayload(payload: CadenceContact): string {
  const record = payload as unknown as Record<string, unknown>;
  const extra = Object.keys(record).filter((key) => !WIRE_ORDER.includes(key)).sort();
  const ordered: Record<string, unknown> = {};
  for (const key of [...WIRE_ORDER, ...extra]) {
    if (record[key] !== undefined) ordered[key] = key === 'customFields' ? sortKeys(payload.customFields) : record[key];
  }
  return JSON.stringify(ordered);
}

/** Whether two payloads are the same to Cadence, key order aside. */
export function payloadsEqual(a: CadenceContact, b: CadenceContact): boolean {
  return canonicalPayload(a) === canonicalPayload(b);
}

/**
 * What the new payload means next to the confirmed one: a payload that leaves `optedOut`
 * out keeps what Cadence has, so for comparison it carries the confirmed value. Without
 * this, a contact whose opt-out is left out (empty value, or an OPT_OUT_CONFLICT) would
 * be an "update" on every run forever.
 */
export function effectivePayload(next: CadenceContact, confirmed: CadenceContact): CadenceContact {
  if (next.optedOut !== undefined || confirmed.optedOut === undefined) return next;
  return { ...next, optedOut: confirmed.optedOut };
}

/** Field-level changes from `confirmed` to `next` (after the optedOut rule of effectivePayload). */
export function diffPayloads(confirmed: CadenceContact, next: CadenceContact): PayloadChanges {
  const before = confirmed as unknown as Record<string, unknown>;
  const after = effectivePayload(next, confirmed) as unknown as Record<string, unknown>;
  const changes: PayloadChanges = {};
  for (const key of unionKeys(before, after)) {
    if (key === 'customFields') continue;
    if (before[key] !== after[key]) changes[key] = { old: before[key], new: after[key] };
  }
  const oldFields: Record<string, string | undefined> = confirmed.customFields ?? {};
  const newFields: Record<string, string | undefined> = next.customFields ?? {};
  for (const field of unionKeys(oldFields, newFields).sort()) {
    if (oldFields[field] !== newFields[field]) changes[`customFields.${field}`] = { old: oldFields[field], new: newFields[field] };
  }
  return changes;
}

/** Plans one mapped contact against the payload Cadence last confirmed for it. */
export function planContact(mapped: MappedContact, lastConfirmed: CadenceContact | undefined): PlanItem {
  const { contactId, payload, issues } = mapped;
  if (payload === undefined) return { action: 'error', contactId, issues };
  const warnings = issues.filter((issue) => issue.severity === 'warning');
  if (lastConfirmed === undefined) return { action: 'create', contactId, payload, warnings };
  if (payloadsEqual(effectivePayload(payload, lastConfirmed), lastConfirmed)) return { action: 'unchanged', contactId, payload, warnings };
  return { action: 'update', contactId, payload, changes: diffPayloads(lastConfirmed, payload), warnings };
}

/** Plans many contacts: one item per mapped contact, in the same order. */
export function plan(mapped: readonly MappedContact[], confirmed: ReadonlyMap<string, CadenceContact>): PlanItem[] {
  return mapped.map((contact) => planContact(contact, confirmed.get(contact.contactId)));
}

/** How many items of each action, and how many warnings ride along (errors' warnings too). */
export function planCounts(items: readonly PlanItem[]): Record<PlanAction, number> & { warnings: number } {
  const counts = { create: 0, update: 0, unchanged: 0, error: 0, warnings: 0 };
  for (const item of items) {
    counts[item.action] += 1;
    const issues = item.action === 'error' ? item.issues : item.warnings;
    counts.warnings += issues.filter((issue) => issue.severity === 'warning').length;
  }
  return counts;
}

function sortKeys(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}
