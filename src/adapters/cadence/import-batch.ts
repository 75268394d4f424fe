/**
 * One import batch from sending to Cadence's verdict (cadence-api.md "import"): POST the
 * contacts, poll the batch with a growing wait until it is `completed` or `failed`, and
 * send it again when it failed, is unknown (404), or its results do not match what was
 * sent. Imports are idempotent upserts, so sending again is always safe.
 */
import type { z } from 'zod';
import type { CadenceContact, ContactResult } from '../../core/types.js';
import { TransientFailure } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { RequestJson } from './client.js';
import { ImportBatch, ImportReceipt, type BatchResult } from './schema.js';

export interface PollSettings {
  /** Wait before the first poll. */
  initialMs: number;
  /** The wait doubles up to this. */
  maxMs: number;
  /** A batch still queued or processing after this much waiting is a transient failure. */
  giveUpAfterMs: number;
}

export interface ImportDeps {
  requestJson: RequestJson;
  validate<Schema extends z.ZodType>(schema: Schema, data: unknown, what: string): z.output<Schema>;
  /** The team code, already encoded for a path. */
  dept: string;
  poll: PollSettings;
  maxResends: number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  logger: Logger;
}

type Verdict = { kind: 'completed'; results: BatchResult[] } | { kind: 'failed' } | { kind: 'unknown' };

/**
 * Imports one batch and resolves with one result per contact, in the order sent.
 *
 * Results that do not pair one-to-one with the contacts sent (some missing, some extra)
 * are not trusted in part: the batch is sent again, and if it never comes back whole the
 * whole batch is a TransientFailure. Recording a contact as confirmed without Cadence's
 * word for it would hide it from the retry table; sending it again costs nothing.
 */
export async function importBatch(contacts: readonly CadenceContact[], deps: ImportDeps, signal?: AbortSignal): Promise<ContactResult[]> {
  if (contacts.length === 0) return [];
  const sends = 1 + deps.maxResends;
  let problem = '';
  for (let send = 1; send <= sends; send++) {
    const batchId = await submit(contacts, deps, signal);
    const verdict = await awaitVerdict(batchId, deps, signal);
    if (verdict.kind === 'completed') {
      const paired = pairResults(contacts, verdict.results);
      if (Array.isArray(paired)) return paired;
      problem = `batch ${batchId} completed but ${paired.problem}`;
    } else {
      problem = verdict.kind === 'failed' ? `batch ${batchId} failed` : `batch ${batchId} is unknown to Cadence (404)`;
    }
    if (send < sends) deps.logger.warn({ batchId, send, problem, contacts: contacts.length }, 'import batch not applied; sending it again');
  }
  throw new TransientFailure('Cadence', `import of ${contacts.length} contacts not applied after ${sends} sends: ${problem}`);
}

async function submit(contacts: readonly CadenceContact[], deps: ImportDeps, signal?: AbortSignal): Promise<string> {
  const { data } = await deps.requestJson(
    { method: 'POST', path: `/v2/contacts/${deps.dept}/import`, body: { contacts }, purpose: 'import' },
    signal,
  );
  return deps.validate(ImportReceipt, data, 'import receipt').batchIdentifier;
}

async function awaitVerdict(batchId: string, deps: ImportDeps, signal?: AbortSignal): Promise<Verdict> {
  let waitMs = deps.poll.initialMs;
  let waited = 0;
  for (;;) {
    await deps.sleep(waitMs, signal);
    waited += waitMs;
    const { status, data } = await deps.requestJson(
      { method: 'GET', path: `/v2/Imports/${encodeURIComponent(batchId)}`, notFound: 'batch', purpose: 'import' },
      signal,
    );
    if (status === 404) return { kind: 'unknown' };
    const batch = deps.validate(ImportBatch, data, 'import batch');
    if (batch.status === 'completed') return { kind: 'completed', results: batch.results ?? [] };
    if (batch.status === 'failed') return { kind: 'failed' };
    if (waited >= deps.poll.giveUpAfterMs) {
      throw new TransientFailure('Cadence', `import batch ${batchId} still ${batch.status} after ${Math.round(waited / 1000)} s of waiting`);
    }
    waitMs = Math.min(waitMs * 2, deps.poll.maxMs);
  }
}

/** Pairs results with the contacts sent, in their order; a problem when they do not pair one-to-one. */
export function pairResults(contacts: readonly CadenceContact[], results: readonly BatchResult[]): ContactResult[] | { problem: string } {
  const byId = new Map<string, BatchResult[]>();
  for (const result of results) {
    const queue = byId.get(result.uniqueCampusId);
    if (queue) queue.push(result);
    else byId.set(result.uniqueCampusId, [result]);
  }
  const paired: ContactResult[] = [];
  let missing = 0;
  for (const contact of contacts) {
    const result = byId.get(contact.uniqueCampusId)?.shift();
    if (result) paired.push(result);
    else missing += 1;
  }
  let extra = 0;
  for (const queue of byId.values()) extra += queue.length;
  if (missing > 0 || extra > 0) return { problem: `its results do not match the contacts sent (${missing} missing, ${extra} unexpected)` };
  return paired;
}
