/**
 * The sandbox Cadence's opt-out webhooks and history export (cadence-api.md, "Opt-out
 * changes"): each keyword or staff change is POSTed as `{studentId, departmentCode,
 * optedIn}` to the configured URL, at least once (retried with backoff on any non-2xx or
 * network failure, as Cadence does), and the history CSV lists the same changes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { OptOutChange } from '../../core/types.js';

/** One delivery of one change: what it sent and how it ended. */
export interface WebhookDelivery {
  studentId: string;
  optedIn: boolean;
  attempts: number;
  /** The last answer's status; 0 for a network failure. */
  status: number;
  delivered: boolean;
}

export interface WebhookSender {
  /** Delivers a change to `url` (in the background). */
  send(url: string, change: OptOutChange): void;
  deliveries(): WebhookDelivery[];
  /** Resolves once every delivery started so far has ended (delivered or given up). */
  whenDelivered(): Promise<void>;
  /** Gives up every delivery still retrying (the emulator is closing). */
  stop(): void;
}

const MAX_ATTEMPTS = 8;
const FIRST_DELAY_MS = 100;

/** A sender for one team. */
export function createWebhookSender(deptCode: string): WebhookSender {
  const deliveries: WebhookDelivery[] = [];
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();
  const deliver = async (url: string, delivery: WebhookDelivery) => {
    const body = JSON.stringify({ studentId: delivery.studentId, departmentCode: deptCode, optedIn: delivery.optedIn });
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      delivery.attempts = attempt;
      try {
        const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(10_000)]);
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });
        await response.arrayBuffer();
        delivery.status = response.status;
        if (response.ok) {
          delivery.delivered = true;
          return;
        }
      } catch {
        delivery.status = 0;
      }
      if (stopping.signal.aborted) return;
      if (attempt < MAX_ATTEMPTS) await sleep(FIRST_DELAY_MS * 2 ** (attempt - 1), undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  };
  return {
    send(url, change) {
      const delivery: WebhookDelivery = { studentId: change.uniqueCampusId, optedIn: !change.optedOut, attempts: 0, status: 0, delivered: false };
      deliveries.push(delivery);
      const running = deliver(url, delivery).finally(() => inFlight.delete(running));
      inFlight.add(running);
    },
    deliveries: () => deliveries.map((delivery) => ({ ...delivery })),
    async whenDelivered() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    stop() {
      stopping.abort();
    },
  };
}

/** `2026-11-24 18:03:11` */
function exportDate(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

/**
 * The opt-out history export as Cadence's UI mails it: changes by a user or an incoming
 * text, not by imports, with a space after each comma of the header as copies of it show.
 */
export function optOutHistoryCsv(changes: readonly OptOutChange[], deptCode: string): string {
  const lines = ['ContactId, DepartmentCode, MobileNumber, Status, StatusDate (UTC)'];
  for (const change of changes) {
    if (change.source === 'import') continue;
    lines.push([change.uniqueCampusId, deptCode, change.mobileNumber, change.optedOut ? 'Opted Out' : 'Opted In', exportDate(change.changedAt)].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
