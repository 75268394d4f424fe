/**
 * The consent gate (product.md §5): the last decision on a payload before it goes to
 * Cadence, whatever path brought it there (new, changed, retried, re-planned). Pure: the
 * import's pusher calls it with what the state holds when the batch is sent, the dry run
 * with what the state holds when it plans, so the two cannot disagree.
 */
import type { CadenceConsent } from './ports.js';
import type { CadenceContact, ContactIssue } from './types.js';

export interface GateInput {
  payload: CadenceContact;
  /**
   * The payload Cadence last confirmed for the contact, as far as the gate needs it:
   * undefined when there is none (or it is in doubt and was forgotten).
   */
  confirmed: Pick<CadenceContact, 'optedOut'> | undefined;
  /** What Cadence last reported about the contact's consent (the opt-out journal's latest). */
  consent: CadenceConsent | undefined;
}

export interface GateDecision {
  /** What goes on the wire. */
  wire: CadenceContact;
  /**
   * What to record as confirmed once Cadence confirms it: what Cadence then holds as far
   * as connect-sync knows. When `optedOut` stays off the wire because it did not change,
   * Cadence keeps the confirmed value, which is the payload's. When it stays off because
   * of an opt-out Cadence reported, the value is left out here too: planned the same way
   * next time (mapping leaves it out while the opt-out stands), the contact is unchanged
   * and not sent again; and once Cadence reports an opt-in, the difference is sent.
   */
  record: CadenceContact;
  /** The OPT_OUT_CONFLICT warning, when an opt-out Cadence reported kept `optedOut: false` off the wire. */
  conflict?: ContactIssue;
}

/** Decides what of one payload goes to Cadence and what is recorded once confirmed. */
export function gateConsent({ payload, confirmed, consent }: GateInput): GateDecision {
  if (payload.optedOut === undefined) return { wire: payload, record: payload };
  if (payload.optedOut === false && consent?.optedOut === true) {
    const kept = withoutOptedOut(payload);
    return {
      wire: kept,
      record: kept,
      conflict: {
        severity: 'warning',
        code: 'OPT_OUT_CONFLICT',
        message: `Cadence reported an opt-out at ${consent.changedAt} (${consent.source}) and no opt-in since; optedOut: false left out so Cadence keeps the opt-out`,
      },
    };
  }
  if (confirmed !== undefined && confirmed.optedOut === payload.optedOut) return { wire: withoutOptedOut(payload), record: payload };
  return { wire: payload, record: payload };
}

/** Contact ids whose payload the gate must check against the consent Cadence reported. */
export function needsConsent(payload: CadenceContact): boolean {
  return payload.optedOut === false;
}

function withoutOptedOut(payload: CadenceContact): CadenceContact {
  const { optedOut: _left, ...rest } = payload;
  return rest;
}
