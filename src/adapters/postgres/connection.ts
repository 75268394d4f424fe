/**
 * Where the PostgreSQL state lives and how to reach it: the parsed `state.url` (its
 * password never leaves this file but inside the driver's options), the team a State is
 * opened for, the advisory-lock keys derived from it, and the one translation of the
 * driver's connection failures into StateFileError messages that name host and database.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { stateUrlSecrets } from '../../config/state-url.js';
import { StateFileError } from '../../errors.js';

/** A team: every row of the PostgreSQL state is keyed by these two. */
export interface Team {
  deptCode: string;
  clientName: string;
}

/** The parts of `state.url` that may be shown. */
export interface Target {
  host: string;
  port: string;
  database: string;
  user: string;
}

/** Seconds to wait for a connection before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Host, port, database and user of a `postgres://` URL; no password. */
export function targetOf(url: string): Target {
  const parsed = new URL(url);
  return {
    host: decodeURIComponent(parsed.hostname) || 'localhost',
    port: parsed.port || '5432',
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres',
    user: decodeURIComponent(parsed.username),
  };
}

/** `db.internal:5432/connect_sync`: how messages name the database. */
export function whereOf(target: Target): string {
  return `${target.host}:${target.port}/${target.database}`;
}

/** The password of a `postgres://` URL (raw and decoded) and the URL, to keep them out of any text. */
export function passwordsOf(url: string): string[] {
  return stateUrlSecrets(url).sort((a, b) => b.length - a.length);
}

/**
 * The driver, loaded when a PostgreSQL state is first used: every command of a team on
 * the SQLite file would otherwise load it at start-up for nothing.
 */
function loadDriver(): Promise<{ default: typeof pg }> {
  return import('pg');
}

/** A pool for `url`; idle connections that fail are dropped, never crash the process. */
export async function openPool(url: string, max: number): Promise<pg.Pool> {
  const { default: driver } = await loadDriver();
  const pool = new driver.Pool({ connectionString: url, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'connect-sync' });
  // An idle client losing its server emits here; the next query on the pool reports it.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A single connection of its own (the lock's session). TCP keepalive, so that a network
 * path that drops idle connections (NAT, a load balancer) does not end it unseen.
 */
export async function newClient(url: string): Promise<pg.Client> {
  const { default: driver } = await loadDriver();
  return new driver.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'connect-sync lock', keepAlive: true });
}

/**
 * A 63-bit advisory-lock key (decimal text) for `purpose` and the team: advisory locks
 * are per database, so teams sharing one never block each other.
 */
export function lockKey(purpose: string, team?: Team): string {
  const text = team === undefined ? purpose : `${purpose}\0${team.deptCode}\0${team.clientName}`;
  const digest = createHash('sha256').update(text).digest();
  return (digest.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn).toString();
}

/** pg_locks shows a bigint advisory key as two oids: its high and its low 32 bits. */
export function lockKeyParts(key: string): { high: string; low: string } {
  const value = BigInt(key);
  return { high: (value >> 32n).toString(), low: (value & 0xffff_ffffn).toString() };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);

/**
 * A driver error as a StateFileError naming host and database: unreachable, refused
 * credentials, a missing database, or anything else the server said. The password is
 * blanked from the server's text in case it echoed it.
 */
export function stateErrorFrom(error: unknown, target: Target, secrets: readonly string[]): StateFileError {
  if (error instanceof StateFileError) return error;
  const where = whereOf(target);
  const code = (error as { code?: unknown } | null)?.code;
  const text = scrub(error instanceof Error ? error.message : String(error), secrets);
  const message = (() => {
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `PostgreSQL host ${target.host} not found (state.url)`;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return `PostgreSQL at ${where} cannot be reached (${code}): is it running, and are state.url's host and port right?`;
    if (/timeout/i.test(text) && code === undefined) return `PostgreSQL at ${where} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
    if (code === '28P01') return `PostgreSQL at ${where} refused user ${target.user}: password authentication failed (check the password in state.url)`;
    if (code === '28000') return `PostgreSQL at ${where} refused user ${target.user}: ${text}`;
    if (code === '3D000') return `PostgreSQL at ${where}: database ${target.database} does not exist`;
    if (code === '57P01' || code === '57P03') return `PostgreSQL at ${where} is shutting down or starting up: ${text}`;
    return `PostgreSQL at ${where}: ${text}`;
  })();
  return new StateFileError(message, { cause: scrubbedCause(error, secrets) });
}

function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((result, secret) => (secret.length === 0 ? result : result.split(secret).join('[redacted]')), text);
}

/** The cause kept on the error: its code and scrubbed text only (the driver's object may hold the config). */
function scrubbedCause(error: unknown, secrets: readonly string[]): Error {
  const cause = new Error(scrub(error instanceof Error ? error.message : String(error), secrets));
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') Object.assign(cause, { code });
  return cause;
}

/** Server answers the config can fix: refused credentials, a database that is not there, no permission. */
const REFUSED = new Set(['28P01', '28000', '3D000', '42501']);

/**
 * For validate-config (product.md §2: rejected credentials are the file's to fix, exit 2):
 * the problem at `state.url` when `error` is PostgreSQL refusing the URL's credentials or
 * database; undefined for anything else (unreachable: exit 3).
 */
export function stateUrlProblem(error: unknown): { path: string; message: string } | undefined {
  if (!(error instanceof StateFileError)) return undefined;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && REFUSED.has(code) ? { path: 'state.url', message: error.message } : undefined;
}
