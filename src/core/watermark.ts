/**
 * Watermark rules (product.md §4, §8), in one place and pure: where a filter's read
 * starts, and where its watermark stands after a finished run. No watermark is ever past
 * the run's start: one contact dated in the future (a wrong clock, a bad import in
 * Connect) must not hide every later change. The autumn repeated hour is the Connect
 * adapter's business (keyset.ts): it widens the read it is asked for, whatever `since` is.
 */
import type { Watermark } from './ports.js';
import type { ConnectContact } from './types.js';

/** Why a filter is read from where it is read. */
export type StartReason = 'incremental' | 'first' | 'full' | 'mapping-changed';

export interface FilterStart {
  filterId: number;
  /** Read contacts modified at or after this instant; absent: all of them. */
  since?: Date;
  reason: StartReason;
  fingerprint: string;
  previous?: Watermark;
}

/** Clock skew allowed between connect-sync and Connect before a date counts as in the future. */
export const FUTURE_SKEW_MS = 5 * 60_000;

/** A contact's place in Connect's order. */
export interface ContactKey {
  modifiedAt: string;
  modifiedAtMs: number;
  contactId: string;
}

export function contactKey(contact: ConnectContact): ContactKey {
  return { modifiedAt: contact.modifiedAt, modifiedAtMs: Date.parse(contact.modifiedAt), contactId: contact.contactId };
}

/** Orders keys as Connect does: modifieddate, then numeric contact id. */
export function compareKeys(a: Pick<ContactKey, 'modifiedAtMs' | 'contactId'>, b: Pick<ContactKey, 'modifiedAtMs' | 'contactId'>): number {
  return a.modifiedAtMs - b.modifiedAtMs || Number(a.contactId) - Number(b.contactId);
}

/**
 * Where a filter's read starts: in full (`--full`, a filter seen for the first time, a
 * changed fingerprint), else from the watermark minus the lookback. A stored watermark
 * past the run's start (left by a version without this rule) is read from the run's start.
 */
export function startFrom(input: {
  filterId: number;
  fingerprint: string;
  watermark: Watermark | undefined;
  full: boolean;
  lookbackMinutes: number;
  runStartedAt: Date;
}): FilterStart {
  const { filterId, fingerprint, watermark, full, lookbackMinutes, runStartedAt } = input;
  const base = { filterId, fingerprint, previous: watermark };
  if (full) return { ...base, reason: 'full' };
  if (watermark === undefined) return { ...base, reason: 'first' };
  if (watermark.fingerprint !== fingerprint) return { ...base, reason: 'mapping-changed' };
  const from = Math.min(Date.parse(watermark.modifiedAt), runStartedAt.getTime());
  return { ...base, since: new Date(from - lookbackMinutes * 60_000), reason: 'incremental' };
}

/**
 * The filter's watermark after a finished run: the newest contact read, or the previous
 * watermark when an incremental run read nothing newer (or nothing at all); never past
 * the run's start (whole seconds, as Connect writes dates), with contact id `0` when cut
 * back there so the next run reads every contact of that second.
 */
export function nextWatermark(start: FilterStart, newest: ContactKey | undefined, runStartedAt: Date): Omit<Watermark, 'updatedAt'> {
  const previous = start.previous;
  const keepPrevious =
    newest === undefined || (previous !== undefined && start.reason === 'incremental' && Date.parse(previous.modifiedAt) > newest.modifiedAtMs);
  const mark = keepPrevious
    ? { modifiedAt: previous?.modifiedAt ?? new Date(0).toISOString(), contactId: previous?.contactId ?? '0' }
    : { modifiedAt: newest.modifiedAt, contactId: newest.contactId };
  const limit = Math.floor(runStartedAt.getTime() / 1000) * 1000;
  const clamped = Date.parse(mark.modifiedAt) > limit ? { modifiedAt: new Date(limit).toISOString(), contactId: '0' } : mark;
  return { filterId: start.filterId, ...clamped, fingerprint: start.fingerprint };
}

/** A contact dated after this instant (ms) lies in the future (product.md §8): the run's start plus the skew. */
export function futureAfterMs(runStartedAt: Date): number {
  return runStartedAt.getTime() + FUTURE_SKEW_MS;
}
