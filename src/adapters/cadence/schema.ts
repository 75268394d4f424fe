/**
 * The JSON shapes of Cadence's answers (cadence-api.md), validated before use. Extra
 * keys are ignored; missing or mistyped ones make the answer malformed.
 */
import { z } from 'zod';

/** `{"error": {"code", "message"}}`, sent with 4xx/5xx statuses (may be absent behind a proxy). */
export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The 202 answer to an import. */
export const ImportReceipt = z.object({
  batchIdentifier: z.string().min(1),
  status: z.string().optional(),
  count: z.number().optional(),
});
export type ImportReceipt = z.infer<typeof ImportReceipt>;

export const BatchResult = z.union([
  z.object({ uniqueCampusId: z.string(), outcome: z.enum(['created', 'updated', 'unchanged']) }),
  z.object({ uniqueCampusId: z.string(), outcome: z.literal('rejected'), errorCode: z.string(), message: z.string() }),
]);
export type BatchResult = z.infer<typeof BatchResult>;

/** An import batch as polled; `results` is required once it is `completed`. */
export const ImportBatch = z
  .object({
    batchIdentifier: z.string(),
    status: z.enum(['queued', 'processing', 'completed', 'failed']),
    results: z.array(BatchResult).optional(),
  })
  .refine((batch) => batch.status !== 'completed' || batch.results !== undefined, {
    message: 'a completed batch must list its results',
    path: ['results'],
  });
export type ImportBatch = z.infer<typeof ImportBatch>;

export const UsersList = z.object({
  users: z.array(
    z.object({ userId: z.string().min(1), firstName: z.string(), lastName: z.string(), email: z.string(), active: z.boolean() }),
  ),
});
export type UsersList = z.infer<typeof UsersList>;

export const FieldsList = z.object({
  fields: z.array(z.object({ name: z.string().min(1), label: z.string(), required: z.boolean() })),
});
export type FieldsList = z.infer<typeof FieldsList>;

export const OptOutsPage = z.object({
  changes: z.array(
    z.object({
      uniqueCampusId: z.string(),
      mobileNumber: z.string(),
      optedOut: z.boolean(),
      changedAt: z.iso.datetime({ offset: true }),
      source: z.enum(['keyword', 'staff', 'import']),
    }),
  ),
  nextCursor: z.string().min(1).nullable(),
});
export type OptOutsPage = z.infer<typeof OptOutsPage>;

const SOURCES: ReadonlySet<string> = new Set(['keyword', 'staff', 'import']);
/** The plain UTC form Cadence writes (`2026-11-24T18:03:11Z`, milliseconds optional). */
const PLAIN_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/**
 * An optouts page in its plain shape, read without zod: after a large import the feed is
 * hundreds of pages of 500 changes, and the schema's checks cost more than the call. It
 * accepts a subset of what OptOutsPage accepts (changedAt only in UTC, as a real calendar
 * date-time) and gives the same output (other keys dropped); undefined for anything else,
 * which OptOutsPage then reads, or explains.
 */
export function readPlainOptOutsPage(data: unknown): OptOutsPage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { changes, nextCursor } = data as { changes?: unknown; nextCursor?: unknown };
  if (!Array.isArray(changes) || !(nextCursor === null || (typeof nextCursor === 'string' && nextCursor.length > 0))) return undefined;
  const read: OptOutsPage['changes'] = [];
  // An import's echoes come in runs with one changedAt: each distinct one is checked once.
  let checkedAt: string | undefined;
  for (const change of changes as unknown[]) {
    if (typeof change !== 'object' || change === null) return undefined;
    const { uniqueCampusId, mobileNumber, optedOut, changedAt, source } = change as Record<string, unknown>;
    if (typeof uniqueCampusId !== 'string' || typeof mobileNumber !== 'string' || typeof optedOut !== 'boolean') return undefined;
    if (typeof source !== 'string' || !SOURCES.has(source) || typeof changedAt !== 'string') return undefined;
    if (changedAt !== checkedAt) {
      if (!isPlainUtc(changedAt)) return undefined;
      checkedAt = changedAt;
    }
    read.push({ uniqueCampusId, mobileNumber, optedOut, changedAt, source: source as OptOutsPage['changes'][number]['source'] });
  }
  return { changes: read, nextCursor };
}

/** A plain UTC date-time that names a real instant (no 31 Feb, no 25:00). */
function isPlainUtc(text: string): boolean {
  if (!PLAIN_UTC.test(text)) return false;
  const ms = Date.parse(text);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === text.slice(0, 19);
}
