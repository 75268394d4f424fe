/**
 * The config file's JSON Schema, generated from the zod schema (the single source of
 * truth) for editors: with `# yaml-language-server: $schema=…` at the top of the YAML
 * file, VS Code and JetBrains complete keys, show what each means, and flag typos.
 *
 * It describes the file as written (zod's input side): keys with defaults are optional.
 * Draft-07, the version every editor's YAML/JSON support understands. Cross-field rules
 * (opt-out values that differ, a filter listed twice) stay with `validate-config`.
 *
 * `${VAR}` references are replaced only after the file is read, so an editor sees
 * `to: [${OPS_EMAIL}]` or `endpoint: ${CONNECT_URL}` literally. A string field with a
 * format or pattern (URLs, email addresses, HH:MM) therefore accepts either a value of
 * that form or any string holding a `${…}` reference; literal values are still checked.
 * Numbers and booleans need nothing: interpolation only ever produces strings, so they
 * are plain YAML numbers and booleans.
 */
import { z } from 'zod';
import { Config } from './schema.js';

/** Where the committed schema is published; editors key their cache on it. */
export const SCHEMA_ID = 'https://github.com/connect-sync/connect-sync/raw/main/schema/connect-sync.schema.json';

/** A string holding at least one `${NAME}` or `${NAME:-default}` (see interpolate.ts). */
const REFERENCE_PATTERN = '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}';

const SECRET = ' Secret: write a ${VAR} reference and keep the value in the environment.';

/** Descriptions by key path (`[]` is "each item"); the test checks every key has one. */
export const DESCRIPTIONS: Readonly<Record<string, string>> = {
  connect: 'Connect, the admissions CRM: where contacts come from.',
  'connect.endpoint': 'Address of the Connect web service ("bridge"), e.g. https://services01.askadmissions.net/ws/bridge.asmx.',
  'connect.clientName': 'Client name of the Connect instance.',
  'connect.passKey': `Web-service pass key.${SECRET}`,
  'connect.timeZone': 'IANA time zone of the local dates Connect writes (modifieddate); also the zone `status` shows times in.',
  'connect.pageSize': 'Contacts per request, 1 to 500.',
  'connect.timeoutSeconds': 'Seconds before one request to Connect is given up (and retried).',
  'connect.paging':
    "How filters are read: keyset (paged by modified date), whole (one streamed answer per filter), or auto (the instance's WSDL decides; keyset with a guard when it cannot be read).",
  cadence: 'Cadence, the SMS platform: where contacts go.',
  'cadence.baseUrl': 'Address of the Cadence API.',
  'cadence.deptCode': 'Cadence team (department) code; a number such as 1234567 is taken as text (quote a code with leading zeros).',
  'cadence.apiKey': `API key (HTTP Basic user).${SECRET}`,
  'cadence.apiSecret': `API secret (HTTP Basic password).${SECRET}`,
  'cadence.batchSize': 'Contacts per import batch, 1 to 1000.',
  'cadence.concurrency': 'Batches in flight at once, 1 to 16.',
  'cadence.timeoutSeconds': 'Seconds before one request to Cadence is given up (and retried).',
  standardFields: "The Connect attribute behind each of Cadence's standard fields (internal name or label).",
  'standardFields.firstName': 'Connect attribute holding the first name.',
  'standardFields.lastName': 'Connect attribute holding the last name.',
  'standardFields.mobileNumber': 'Connect attribute holding the mobile number (10 digits with area code; +1, spaces, dashes, dots and parentheses are fine).',
  'standardFields.userIdentification':
    "Connect attribute compared exactly with Cadence's User IDs to assign each contact to its counselor. Blank or unknown values import the contact unassigned.",
  optOut: "SMS opt-out status: imported into Cadence, and Cadence's opt-out changes are written back to this attribute.",
  'optOut.field': 'Connect attribute holding the SMS status.',
  'optOut.optedInValue': 'Value meaning opted in (compared case-insensitively).',
  'optOut.optedOutValue': 'Value meaning opted out (compared case-insensitively); must differ from optedInValue.',
  'optOut.emptyIsOptedIn': 'Whether an empty value means opted in; when false, Cadence keeps the status it has.',
  'optOut.webhook': "`connect-sync serve`: receives Cadence's opt-out webhooks and writes them back to Connect.",
  'optOut.webhook.listen': 'host:port the server listens on (default 127.0.0.1:8787; put TLS in a reverse proxy in front).',
  'optOut.webhook.token': `At least 32 characters (letters, digits, . _ ~ -); the webhook URL you give Cadence is /cadence/optouts/<token>.${SECRET}`,
  'optOut.feed': "Also read Cadence's opt-out feed (GET /v2/contacts/{deptCode}/optouts), for instances that have it (default false).",
  additionalFields: "More Connect attributes copied into fields on Cadence's Fields page.",
  'additionalFields[]': 'One Connect attribute copied into one Cadence field.',
  'additionalFields[].contactField': 'Connect attribute (internal name or label).',
  'additionalFields[].cadenceField': "A field on Cadence's Fields page; each may be filled once.",
  'additionalFields[].hasList': 'For a list attribute: true sends the display names, false the stored codes (joined with "; ").',
  criteria: 'Which contacts are imported.',
  'criteria.filterIds': 'Connect filter ids whose contacts are imported; each listed once.',
  'criteria.filterIds[]': 'A Connect filter id.',
  'criteria.sourceCode': 'Connect source code that tags the changes connect-sync makes in Connect.',
  'criteria.lookbackMinutes': "Minutes re-read below each filter's watermark, 0 to 1440.",
  nightlyImport: 'When `connect-sync import --scheduled` (cron, systemd timer) actually imports.',
  'nightlyImport.enabled': 'false: `import --scheduled` does nothing (exit 0).',
  'nightlyImport.window':
    'The local wall-clock window [start, end) in timeZone. An end before the start crosses midnight; start equal to end means the whole day.',
  'nightlyImport.window.start': 'Start of the window, HH:MM on a 24-hour clock (inclusive).',
  'nightlyImport.window.end': 'End of the window, HH:MM on a 24-hour clock (exclusive).',
  'nightlyImport.window.timeZone': 'IANA time zone of the window, e.g. America/New_York.',
  notification: 'Mail after every run (nodemailer over SMTP: to, from and smtp go together), and/or a ping URL for a monitor.',
  'notification.to': 'Addresses that receive the mail.',
  'notification.to[]': 'An email address.',
  'notification.from': 'Sender address.',
  'notification.smtp': 'The SMTP server that sends the mail.',
  'notification.smtp.host': 'SMTP server host name.',
  'notification.smtp.port': 'SMTP server port.',
  'notification.smtp.secure': 'true: TLS from the start (usually port 465); false: STARTTLS when the server offers it.',
  'notification.smtp.user': 'SMTP user name; user and pass go together.',
  'notification.smtp.pass': `SMTP password; user and pass go together.${SECRET}`,
  'notification.pingUrl': `healthchecks.io-style URL: <url>/start when an import starts, <url> when it ends with exit 0 or 1, <url>/fail otherwise. May be set without mail.${SECRET}`,
  'cadence.batchTimeoutSeconds': 'Seconds a batch may stay processing in Cadence before it is given up and treated as transient (its contacts go to the retry table).',
  state: 'Where connect-sync keeps what it knows.',
  'state.path':
    'SQLite state file (runs, watermarks, confirmed payloads, retries); relative to the config file\'s folder. Default: connect-sync.sqlite beside the config file. Give path or url, not both.',
  'state.url': `The state in PostgreSQL instead of the SQLite file: postgres://user:password@host:5432/database (or postgresql://). One database serves many teams: each team's rows are keyed by cadence.deptCode + connect.clientName. Give path or url, not both.${SECRET}`,
  'state.reportsDir': "Folder of the run reports (<runId>-errors.csv); relative to the config file's folder. Default: reports/ beside the state file, or beside the config file with url.",
};

/** Rules zod checks in code that JSON Schema can also say, by key path. */
const EXTRA: Readonly<Record<string, Record<string, unknown>>> = {
  'connect.endpoint': { pattern: '^https?://' },
  'cadence.baseUrl': { pattern: '^https?://' },
  'criteria.filterIds': { uniqueItems: true },
  'notification.smtp': { dependencies: { user: ['pass'], pass: ['user'] } },
  notification: { dependencies: { to: ['from', 'smtp'], from: ['to', 'smtp'], smtp: ['to', 'from'] }, minProperties: 1 },
  'notification.pingUrl': { pattern: '^https?://' },
  'connect.timeZone': { examples: ['America/New_York', 'America/Chicago', 'America/Los_Angeles'] },
  'nightlyImport.window.timeZone': { examples: ['America/New_York', 'America/Chicago', 'America/Los_Angeles'] },
};

type JsonSchema = Record<string, unknown>;

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The sub-schema at a key path such as `notification.to[]`, or undefined. */
function schemaAt(root: JsonSchema, keyPath: string): JsonSchema | undefined {
  let node: unknown = root;
  for (const segment of keyPath.split('.')) {
    const [key = '', ...items] = segment.split('[]');
    const properties: unknown = isSchema(node) ? node.properties : undefined;
    node = isSchema(properties) ? properties[key] : undefined;
    for (let i = 0; i < items.length; i += 1) node = isSchema(node) ? node.items : undefined;
  }
  return isSchema(node) ? node : undefined;
}

/** Every key path of the schema's properties (and array items), in document order. */
export function keyPaths(node: JsonSchema, prefix = ''): string[] {
  const paths: string[] = [];
  const properties = isSchema(node.properties) ? node.properties : {};
  for (const [key, child] of Object.entries(properties)) {
    if (!isSchema(child)) continue;
    const at = prefix ? `${prefix}.${key}` : key;
    paths.push(at, ...keyPaths(child, at));
    let items = child.items;
    let itemsAt = at;
    while (isSchema(items)) {
      itemsAt = `${itemsAt}[]`;
      paths.push(itemsAt, ...keyPaths(items, itemsAt));
      items = items.items;
    }
  }
  return paths;
}

/** Lets formatted and patterned strings also be a `${…}` reference (see the module comment). */
function allowReferences(node: JsonSchema): void {
  if (node.type === 'string' && (node.format !== undefined || node.pattern !== undefined)) {
    const literal: JsonSchema = { type: 'string' };
    for (const key of ['format', 'pattern', 'minLength', 'maxLength'] as const) {
      if (node[key] !== undefined) literal[key] = node[key];
      delete node[key];
    }
    delete node.type;
    node.anyOf = [literal, { type: 'string', pattern: REFERENCE_PATTERN, description: 'A ${VAR} reference, replaced from the environment.' }];
    return;
  }
  for (const key of ['properties', 'definitions', '$defs'] as const) {
    const children = node[key];
    if (isSchema(children)) for (const child of Object.values(children)) if (isSchema(child)) allowReferences(child);
  }
  if (isSchema(node.items)) allowReferences(node.items);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = node[key];
    if (Array.isArray(list)) for (const child of list) if (isSchema(child)) allowReferences(child);
  }
}

/** Puts `description` first among a node's keys, where editors and readers look. */
function describe(node: JsonSchema, description: string): void {
  const rest = { ...node };
  for (const key of Object.keys(node)) delete node[key];
  Object.assign(node, { description }, rest);
}

/** The config's JSON Schema (draft-07), with descriptions, ready to serialise. */
export function configJsonSchema(): object {
  const generated = z.toJSONSchema(Config, { io: 'input', target: 'draft-07' }) as JsonSchema;
  const { $schema, ...body } = generated;
  const schema: JsonSchema = {
    $schema,
    $id: SCHEMA_ID,
    title: 'connect-sync config',
    description:
      'Config of connect-sync, which imports contacts from Connect into Cadence. ${VAR} and ${VAR:-default} in any string are replaced from the environment. Check a file with `connect-sync validate-config`.',
    ...body,
  };
  for (const [keyPath, extra] of Object.entries(EXTRA)) Object.assign(schemaAt(schema, keyPath) ?? {}, extra);
  allowReferences(schema);
  for (const [keyPath, description] of Object.entries(DESCRIPTIONS)) {
    const node = schemaAt(schema, keyPath);
    if (node) describe(node, description);
  }
  return schema;
}

/** The schema as committed in schema/connect-sync.schema.json: two-space JSON and a newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
