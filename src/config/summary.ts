/**
 * What a config will do, in words an operator checks at a glance, and the warnings that
 * can be given without contacting any service. Secrets are never part of either.
 */
import path from 'node:path';
import type { Config } from './schema.js';

const LABEL_WIDTH = 19;

function row(label: string, ...lines: string[]): string {
  const [first = '', ...rest] = lines;
  return [`${label.padEnd(LABEL_WIDTH)}${first}`, ...rest.map((line) => `${' '.repeat(LABEL_WIDTH)}${line}`)].join('\n');
}

function mapping(target: string, source: string, note?: string): string {
  return `  ${target.padEnd(LABEL_WIDTH - 2)}<- ${source}${note ? ` (${note})` : ''}`;
}

function describeOptOut(config: Config): string {
  const optOut = config.optOut;
  if (!optOut) return row('Opt-out:', 'not configured (opt-out status is neither imported nor written back to Connect)');
  const empty = optOut.emptyIsOptedIn ? 'opted in' : 'left as Cadence has it';
  return row(
    'Opt-out:',
    `${optOut.field}: "${optOut.optedOutValue}" = opted out, "${optOut.optedInValue}" = opted in, empty = ${empty}`,
    "other values are errors; Cadence's opt-out changes are written back to this attribute",
  );
}

function describeSchedule(config: Config): string {
  const { enabled, window } = config.nightlyImport;
  if (!enabled) return row('Nightly import:', 'disabled (import --scheduled does nothing)');
  return row('Nightly import:', `between ${window.start} and ${window.end} ${window.timeZone} (import --scheduled)`);
}

function describeMail(config: Config): string {
  const notification = config.notification;
  const ping = notification?.pingUrl === undefined ? [] : ['pings the pingUrl at start, success and failure (URL not shown: a secret)'];
  const smtp = notification?.smtp;
  if (!notification?.to || !smtp) return row('Notification:', 'none (no mail is sent; reports stay beside the state file)', ...ping);
  const transport = smtp.secure ? 'TLS' : 'STARTTLS when offered';
  const login = smtp.user === undefined ? 'no login' : `login ${smtp.user}`;
  return row(
    'Notification:',
    `to ${notification.to.join(', ')}`,
    `from ${notification.from ?? ''} via ${smtp.host}:${smtp.port} (${transport}, ${login})`,
    ...ping,
  );
}

/** A short summary of what the config will do: endpoints, filters, mappings, schedule, mail, state. */
export function describeConfig(config: Config): string {
  const { connect, cadence, standardFields, criteria } = config;
  const standard = [
    mapping('firstName', standardFields.firstName),
    mapping('lastName', standardFields.lastName),
    mapping('mobileNumber', standardFields.mobileNumber),
    standardFields.userIdentification === undefined
      ? `  ${'staffId'.padEnd(LABEL_WIDTH - 2)}not mapped (contacts are assigned to nobody)`
      : mapping('staffId', standardFields.userIdentification, 'matched against Cadence User IDs'),
  ];
  const additional = config.additionalFields.map((field) =>
    mapping(field.cadenceField, field.contactField, field.hasList ? 'list: display names' : undefined),
  );
  return [
    row('Config file:', config.source),
    row('Connect:', `${connect.endpoint} as client "${connect.clientName}"`, `dates in ${connect.timeZone}, ${connect.pageSize} contacts per page, ${connect.timeoutSeconds} s timeout`),
    row('Cadence:', `${cadence.baseUrl}, department ${cadence.deptCode}`, `batches of ${cadence.batchSize}, ${cadence.concurrency} in flight, ${cadence.timeoutSeconds} s timeout`),
    row('Filters:', `${criteria.filterIds.join(', ')} (re-read ${criteria.lookbackMinutes} min below each watermark)`),
    row('Source code:', `${criteria.sourceCode} (tags the changes connect-sync makes in Connect)`),
    'Standard fields:',
    ...standard,
    describeOptOut(config),
    additional.length === 0 ? row('Additional fields:', 'none') : ['Additional fields:', ...additional].join('\n'),
    describeSchedule(config),
    describeMail(config),
    describeState(config),
  ].join('\n');
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/** Warnings that need no network: settings that are valid but probably not what was meant. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.criteria.lookbackMinutes === 0) {
    warnings.push(
      'criteria.lookbackMinutes is 0: contacts modified in the same second as the watermark, or while a run was paging, can be missed',
    );
  }
  const plainHttp: Array<[string, string]> = [
    ['connect.endpoint', config.connect.endpoint],
    ['cadence.baseUrl', config.cadence.baseUrl],
  ];
  for (const [key, url] of plainHttp) {
    if (new URL(url).protocol === 'http:' && !isLoopback(url)) {
      warnings.push(`${key} uses http, not https: credentials would cross the network unencrypted`);
    }
  }
  const { enabled, window } = config.nightlyImport;
  if (enabled && window.start === window.end) {
    warnings.push('nightlyImport.window starts and ends at the same time: import --scheduled will never import');
  }
  if (!config.notification?.smtp) {
    warnings.push(`no notification ${config.notification ? 'mail' : 'section'}: nobody is emailed about contacts that could not be imported`);
  } else {
    const { port, secure } = config.notification.smtp;
    if (port === 465 && !secure) warnings.push('notification.smtp.port is 465 but secure is false: port 465 usually expects secure: true');
    if (secure && (port === 587 || port === 25)) {
      warnings.push(`notification.smtp.secure is true but port is ${port}: that port usually expects secure: false (STARTTLS)`);
    }
  }
  return warnings;
}

/** The SQLite file, or PostgreSQL's host and database (never the URL: it holds the password). */
function describeState(config: Config): string {
  const reports = `error reports in ${config.state.reportsDir}${path.sep}`;
  if (config.state.path !== undefined) return row('State file:', config.state.path, reports);
  const url = new URL(config.state.url);
  const where = `${url.hostname}:${url.port || '5432'}/${decodeURIComponent(url.pathname.slice(1))}`;
  return row('State:', `PostgreSQL ${where} (team ${config.cadence.deptCode}/${config.connect.clientName})`, reports);
}
