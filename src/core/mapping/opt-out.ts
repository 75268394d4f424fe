/**
 * SMS consent from Connect's opt-out attribute (product.md §3). A value that is neither
 * configured value is an error, never a guess: guessing an SMS consent is never safe.
 */
import type { OptOutConfig } from '../../config/schema.js';

/** The parts of the `optOut` section that decide a value. */
export type OptOutValues = Pick<OptOutConfig, 'optedInValue' | 'optedOutValue' | 'emptyIsOptedIn'>;

export type OptOutResult =
  | { ok: true; optedOut: boolean | undefined }
  | { ok: false; code: 'UNRECOGNIZED_OPT_OUT_VALUE'; message: string };

/**
 * Resolves the attribute's value: trimmed and compared case-insensitively with the
 * configured values. `optedOutValue` → true, `optedInValue` → false, empty (or absent) →
 * false when `emptyIsOptedIn`, else undefined (left out: Cadence keeps what it has).
 * Values are not Unicode-normalised: only the configured spellings, in any case, count.
 */
export function resolveOptOut(raw: string | undefined, optOut: OptOutValues): OptOutResult {
  const value = (raw ?? '').trim();
  if (value === '') return { ok: true, optedOut: optOut.emptyIsOptedIn ? false : undefined };
  const key = fold(value);
  if (key === fold(optOut.optedOutValue)) return { ok: true, optedOut: true };
  if (key === fold(optOut.optedInValue)) return { ok: true, optedOut: false };
  const empty = optOut.emptyIsOptedIn ? 'opted in' : 'left as Cadence has it';
  return {
    ok: false,
    code: 'UNRECOGNIZED_OPT_OUT_VALUE',
    message:
      `opt-out value ${JSON.stringify(value)} is neither optedOutValue ${JSON.stringify(optOut.optedOutValue)} ` +
      `nor optedInValue ${JSON.stringify(optOut.optedInValue)} (any case; empty is ${empty}); contact not sent`,
  };
}

function fold(value: string): string {
  return value.trim().toLowerCase();
}
