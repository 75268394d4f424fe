/**
 * The config file's schema (product.md §1): every key, its default and its range.
 * Unknown keys are rejected everywhere (they are usually typos).
 */
import { z } from 'zod';
import { IANAZone } from 'luxon';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const TimeZone = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), { message: 'expected an IANA time zone such as America/New_York' });

/** `HH:MM`, 24-hour clock. */
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day as HH:MM (00:00 to 23:59)');

const positiveInt = (what: string) =>
  z.number({ error: `expected ${what}` }).int(`expected ${what}`).positive(`expected ${what}`);

const intInRange = (min: number, max: number) =>
  z
    .number({ error: `expected a whole number from ${min} to ${max}` })
    .int(`expected a whole number from ${min} to ${max}`)
    .min(min, `expected a whole number from ${min} to ${max}`)
    .max(max, `expected a whole number from ${min} to ${max}`);

/**
 * A Cadence team code is text, but current instances hand out numbers (`1234567`) that
 * YAML reads as a number: a whole number is taken as its digits. A code with leading
 * zeros must be quoted (YAML drops them before this sees the value).
 */
const TeamCode = z.union([
  nonEmpty,
  z
    .number({ error: 'expected the team code as text' })
    .int('expected the team code as text (quote it)')
    .nonnegative('expected the team code as text (quote it)')
    .max(Number.MAX_SAFE_INTEGER, 'expected the team code as text (quote it)')
    .transform(String),
]);

const HttpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const ConnectConfig = z.strictObject({
  endpoint: HttpUrl,
  clientName: nonEmpty,
  passKey: nonEmpty,
  timeZone: TimeZone.default('America/New_York'),
  pageSize: intInRange(1, 500).default(500),
  timeoutSeconds: intInRange(1, 600).default(60),
  paging: z.enum(['auto', 'keyset', 'whole'], { error: 'expected auto, keyset or whole' }).default('auto'),
});
export type ConnectConfig = z.infer<typeof ConnectConfig>;

export const CadenceConfig = z.strictObject({
  baseUrl: HttpUrl.default('https://api.mongooseresearch.com'),
  deptCode: TeamCode,
  apiKey: nonEmpty,
  apiSecret: nonEmpty,
  batchSize: intInRange(1, 1000).default(1000),
  concurrency: intInRange(1, 16).default(4),
  timeoutSeconds: intInRange(1, 600).default(60),
  batchTimeoutSeconds: intInRange(1, 86_400).default(600),
});
export type CadenceConfig = z.infer<typeof CadenceConfig>;

export const StandardFields = z.strictObject({
  firstName: nonEmpty,
  lastName: nonEmpty,
  mobileNumber: nonEmpty,
  userIdentification: nonEmpty.optional(),
});
export type StandardFields = z.infer<typeof StandardFields>;

/** `host:port` for a listening socket; an IPv6 host goes in brackets (`[::1]:8787`); port 0 takes any free one. */
const listenAddress = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/, 'expected host:port, e.g. 127.0.0.1:8787').refine(
  (value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535,
  'port must be 0 to 65535',
);

/** `connect-sync serve`: where Cadence's opt-out webhooks are received (product.md §10). */
export const OptOutWebhook = z.strictObject({
  listen: listenAddress.default('127.0.0.1:8787'),
  // The URL is the only credential Cadence sends: long enough not to be guessed.
  token: z.string().min(32, 'must be at least 32 characters').regex(/^[A-Za-z0-9._~-]+$/, 'may hold only letters, digits and . _ ~ - (it goes into a URL path)'),
});
export type OptOutWebhook = z.infer<typeof OptOutWebhook>;

export const OptOutConfig = z
  .strictObject({
    field: nonEmpty,
    optedInValue: nonEmpty,
    optedOutValue: nonEmpty,
    emptyIsOptedIn: z.boolean().default(false),
    webhook: OptOutWebhook.optional(),
    // Optional rather than defaulted, so configs built in code need not name it: absent is false.
    feed: z.boolean().optional(),
  })
  .superRefine((optOut, ctx) => {
    if (optOut.optedInValue.trim().toLowerCase() === optOut.optedOutValue.trim().toLowerCase()) {
      ctx.addIssue({ code: 'custom', path: ['optedOutValue'], message: 'must differ from optedInValue (compared case-insensitively)' });
    }
  });
export type OptOutConfig = z.infer<typeof OptOutConfig>;

export const AdditionalField = z.strictObject({
  contactField: nonEmpty,
  cadenceField: nonEmpty,
  hasList: z.boolean().default(false),
});
export type AdditionalField = z.infer<typeof AdditionalField>;

export const Criteria = z.strictObject({
  filterIds: z
    .array(positiveInt('a positive integer'), { error: 'expected a list of filter ids' })
    .min(1, 'expected at least one filter id')
    // A run tells filters apart by one bit each in a 32-bit mask (core/sync/tally.ts).
    .max(31, 'expected at most 31 filter ids')
    .superRefine((ids, ctx) => {
      ids.forEach((id, index) => {
        if (ids.indexOf(id) !== index) ctx.addIssue({ code: 'custom', path: [index], message: `filter ${id} is listed twice` });
      });
    }),
  sourceCode: nonEmpty,
  lookbackMinutes: intInRange(0, 1440).default(10),
});
export type Criteria = z.infer<typeof Criteria>;

export const ImportWindow = z.strictObject({
  start: ClockTime.default('01:00'),
  end: ClockTime.default('04:00'),
  timeZone: TimeZone.default('America/New_York'),
});
export type ImportWindow = z.infer<typeof ImportWindow>;

export const NightlyImport = z.strictObject({
  enabled: z.boolean().default(true),
  window: ImportWindow.default({ start: '01:00', end: '04:00', timeZone: 'America/New_York' }),
});
export type NightlyImport = z.infer<typeof NightlyImport>;

export const SmtpConfig = z
  .strictObject({
    host: nonEmpty,
    port: intInRange(1, 65535).default(587),
    secure: z.boolean().default(false),
    user: nonEmpty.optional(),
    pass: nonEmpty.optional(),
  })
  .superRefine((smtp, ctx) => {
    if ((smtp.user === undefined) !== (smtp.pass === undefined)) {
      ctx.addIssue({ code: 'custom', path: [smtp.user === undefined ? 'user' : 'pass'], message: 'user and pass go together' });
    }
  });
export type SmtpConfig = z.infer<typeof SmtpConfig>;

const Email = z.email({ error: 'expected an email address' });

export const NotificationConfig = z
  .strictObject({
    to: z.array(Email).min(1, 'expected at least one address').optional(),
    from: Email.optional(),
    smtp: SmtpConfig.optional(),
    /** healthchecks.io-style URL pinged at start, success and failure (product.md §12); a secret. */
    pingUrl: HttpUrl.optional(),
  })
  .superRefine((notification, ctx) => {
    const mail = (['to', 'from', 'smtp'] as const).filter((key) => notification[key] !== undefined);
    for (const key of ['to', 'from', 'smtp'] as const) {
      if (mail.length > 0 && notification[key] === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'to, from and smtp go together (mail needs all three)' });
      }
    }
    if (mail.length === 0 && notification.pingUrl === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'expected to, from and smtp (mail), or pingUrl, or both' });
    }
  });
export type NotificationConfig = z.infer<typeof NotificationConfig>;

/** `postgres://user:password@host:port/database` (or `postgresql://`); the password is a secret. */
const PostgresUrl = z.string().refine(
  (value) => {
    if (!/^postgres(ql)?:\/\//i.test(value)) return false;
    try {
      return new URL(value).hostname !== '';
    } catch {
      return false;
    }
  },
  { error: 'expected a postgres:// or postgresql:// URL with a host' },
);

export const StateConfig = z
  .strictObject({
    /** Relative paths are resolved against the config file's folder by the loader. */
    path: nonEmpty.optional(),
    /** The state in PostgreSQL instead of the SQLite file (product.md §11). */
    url: PostgresUrl.optional(),
    /** Where run reports go; relative to the config file's folder. */
    reportsDir: nonEmpty.optional(),
  })
  .superRefine((state, ctx) => {
    if (state.path !== undefined && state.url !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'give state.path (SQLite file) or state.url (PostgreSQL), not both' });
    }
  });

export const Config = z.strictObject({
  connect: ConnectConfig,
  cadence: CadenceConfig,
  standardFields: StandardFields,
  optOut: OptOutConfig.optional(),
  additionalFields: z.array(AdditionalField).default([]).superRefine((fields, ctx) => {
    fields.forEach((field, index) => {
      if (fields.findIndex((other) => other.cadenceField === field.cadenceField) !== index) {
        ctx.addIssue({ code: 'custom', path: [index, 'cadenceField'], message: `${field.cadenceField} is filled twice` });
      }
    });
  }),
  criteria: Criteria,
  nightlyImport: NightlyImport.default({ enabled: true, window: { start: '01:00', end: '04:00', timeZone: 'America/New_York' } }),
  notification: NotificationConfig.optional(),
  state: StateConfig.default({}),
});
/** The config as written, after defaults. */
export type ConfigInput = z.infer<typeof Config>;

/**
 * Where the state lives, resolved: the SQLite file's absolute path, or PostgreSQL's URL
 * (exactly one); and the absolute folder of the run reports.
 */
export type StateLocation = { path: string; url?: undefined; reportsDir: string } | { url: string; path?: undefined; reportsDir: string };

/** The config the commands use: defaults applied, `state.path` and `state.reportsDir` resolved to absolute paths. */
export type Config = Omit<ConfigInput, 'state'> & {
  state: StateLocation;
  /** The file the config was read from (absolute), for messages. */
  source: string;
};
