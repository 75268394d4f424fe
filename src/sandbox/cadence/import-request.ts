/**
 * Checks an import request as a whole, before it is queued: its JSON shape, its size and
 * its custom field names. Problems here reject the whole request (400 / 413); problems with
 * one contact's values (a missing name, a bad mobile) are found when the batch is processed.
 */

/** One contact of an import request whose JSON types are right; values are not yet checked. */
export interface ImportContact {
  uniqueCampusId?: string;
  firstName?: string;
  lastName?: string;
  mobileNumber?: string;
  staffId?: string;
  optedOut?: boolean;
  allowMobileUpdate?: boolean;
  customFields?: Record<string, string>;
}

export type ImportRequestCheck =
  | { ok: true; contacts: ImportContact[] }
  | { ok: false; status: 400 | 413; code: string; message: string };

export const MAX_CONTACTS_PER_REQUEST = 1000;

const STRING_KEYS = new Set(['uniqueCampusId', 'firstName', 'lastName', 'mobileNumber', 'staffId']);
const BOOLEAN_KEYS = new Set(['optedOut', 'allowMobileUpdate']);
const REQUEST_KEYS = new Set(['contacts', 'notificationEmail']);

function malformed(message: string): ImportRequestCheck {
  return { ok: false, status: 400, code: 'MALFORMED_REQUEST', message };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a parsed import body. Unknown keys are refused rather than ignored: a misspelt
 * `optedOut` silently dropped would change someone's SMS consent.
 */
export function checkImportRequest(body: unknown, fieldNames: ReadonlySet<string>): ImportRequestCheck {
  if (!isObject(body)) return malformed('the body must be a JSON object');
  for (const key of Object.keys(body)) {
    if (!REQUEST_KEYS.has(key)) return malformed(`unknown property '${key}'`);
  }
  if (body.notificationEmail !== undefined && typeof body.notificationEmail !== 'string') {
    return malformed('notificationEmail: expected a string');
  }
  const contacts = body.contacts;
  if (!Array.isArray(contacts)) return malformed('contacts: expected an array');
  if (contacts.length > MAX_CONTACTS_PER_REQUEST) {
    return {
      ok: false,
      status: 413,
      code: 'TOO_MANY_CONTACTS',
      message: `${contacts.length} contacts sent; at most ${MAX_CONTACTS_PER_REQUEST} a request`,
    };
  }
  if (contacts.length === 0) return malformed('contacts: expected at least one contact');
  for (let index = 0; index < contacts.length; index++) {
    const problem = contactShapeProblem(contacts[index], fieldNames);
    if (problem) return problem.code === 'UNKNOWN_FIELD' ? { ok: false, status: 400, ...problem } : malformed(`contacts[${index}]${problem.message}`);
  }
  return { ok: true, contacts: contacts as ImportContact[] };
}

function contactShapeProblem(contact: unknown, fieldNames: ReadonlySet<string>): { code: string; message: string } | undefined {
  if (!isObject(contact)) return { code: 'MALFORMED_REQUEST', message: ': expected an object' };
  for (const key in contact) {
    const value = contact[key];
    if (STRING_KEYS.has(key)) {
      if (typeof value !== 'string') return { code: 'MALFORMED_REQUEST', message: `.${key}: expected a string` };
    } else if (BOOLEAN_KEYS.has(key)) {
      if (typeof value !== 'boolean') return { code: 'MALFORMED_REQUEST', message: `.${key}: expected a boolean` };
    } else if (key === 'customFields') {
      if (!isObject(value)) return { code: 'MALFORMED_REQUEST', message: '.customFields: expected an object' };
      for (const name in value) {
        if (typeof value[name] !== 'string') return { code: 'MALFORMED_REQUEST', message: `.customFields.${name}: expected a string` };
        if (!fieldNames.has(name)) return { code: 'UNKNOWN_FIELD', message: `No field named '${name}' is configured for this team` };
      }
    } else {
      return { code: 'MALFORMED_REQUEST', message: `: unknown property '${key}'` };
    }
  }
  return undefined;
}
