/**
 * Cadence's opt-out webhook body (cadence-api.md) to a journal change, pure:
 * `{studentId, departmentCode, optedIn}`. `studentId` is a positive integer, as a JSON
 * number or a string of digits (no sign, no leading zero, no spaces); `optedIn` a JSON
 * boolean or "true"/"false" in any case; `departmentCode` a string or an integer, compared
 * with the configured team code as text. Other members are ignored.
 */

export type WebhookReading =
  | { ok: true; contactId: string; optedOut: boolean }
  | { ok: false; status: 400 | 422; message: string };

const MEDIA_JSON = /^application\/(?:[\w.+-]+\+)?json$/i;

/** Whether a Content-Type header allows the body to be read as JSON (a missing one does). */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined || header.trim() === '') return true;
  return MEDIA_JSON.test(header.split(';')[0]!.trim());
}

function readStudentId(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? String(value) : undefined;
  if (typeof value === 'string' && /^[1-9][0-9]{0,15}$/.test(value)) return value;
  return undefined;
}

function readOptedIn(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

function readDepartment(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** Reads a parsed JSON body; `deptCode` is the configured `cadence.deptCode`. */
export function readWebhookBody(body: unknown, deptCode: string): WebhookReading {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, status: 400, message: 'the body must be a JSON object' };
  const fields = body as Record<string, unknown>;
  const contactId = readStudentId(fields.studentId);
  if (contactId === undefined) return { ok: false, status: 400, message: 'studentId must be a positive integer (number or string of digits)' };
  const optedIn = readOptedIn(fields.optedIn);
  if (optedIn === undefined) return { ok: false, status: 400, message: 'optedIn must be true or false' };
  const department = readDepartment(fields.departmentCode);
  if (department === undefined) return { ok: false, status: 400, message: 'departmentCode must be a non-empty string' };
  if (department.trim() !== deptCode.trim()) return { ok: false, status: 422, message: 'departmentCode is not this team' };
  return { ok: true, contactId, optedOut: !optedIn };
}
