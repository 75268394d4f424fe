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
