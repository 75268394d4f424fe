/**
 * One team's view of the PostgreSQL state: every query gets the team as its `$1` and `$2`
 * (so a State sees only its own rows), runs on a small pool, and is translated into a
 * StateFileError naming host and database when the server cannot be used. The schema is
 * brought up to date before the first query (a read-only view only checks it).
 */
import type pg from 'pg';
import { StateFileError } from '../../errors.js';
import { openPool, passwordsOf, stateErrorFrom, targetOf, whereOf, type Target, type Team } from './connection.js';
import { migrate, readSchemaVersion } from './migrations.js';

/** A query that gets the team prepended to its parameters. */
export type Query = <R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => Promise<R[]>;

/** Connections per State: the import's batches, the lookups beside them, a status read. */
const POOL_SIZE = 4;

export class TeamDb {
  readonly team: Team;
  readonly target: Target;
  readonly readonly: boolean;
  readonly #url: string;
  readonly #secrets: string[];
  /** Made by the first use (the driver loads then). */
  #pool: pg.Pool | undefined;
  #ready: Promise<void> | undefined;
  /** A read-only view of a database connect-sync never wrote to: every read is empty. */
  #empty = false;
  #closed = false;
  /** The session holding the team's lock ended under the run (see lock.ts). */
  #lockLost = false;

  constructor(url: string, team: Team, options: { readonly: boolean }) {
    this.#url = url;
    this.team = team;
    this.target = targetOf(url);
    this.readonly = options.readonly;
    this.#secrets = passwordsOf(url);
  }

  get url(): string {
    return this.#url;
  }

  /** Text with the password of `state.url` blanked. */
  failure(error: unknown): StateFileError {
    return stateErrorFrom(error, this.target, this.#secrets);
  }

  /**
   * Throws StateFileError naming `method` when this view was opened read-only, or when the
   * lock this State held went with its lost session: another import may hold it by now,
   * and two must never write at once.
   */
  writable(method: string): void {
    if (this.readonly) throw new StateFileError(`the PostgreSQL state was opened read-only; ${method} would change it`);
    if (this.#lockLost) {
      throw new StateFileError(`the connection holding the team's lock on PostgreSQL ${whereOf(this.target)} was lost: stopped before ${method}, so that two imports never run at once`);
    }
  }

  /** Marks the team's lock as lost (true) or no longer held at all (false). */
  setLockLost(lost: boolean): void {
    this.#lockLost = lost;
  }

  /** Runs one statement for the team. */
  readonly query: Query = async (sql, params = []) => {
    await this.ready();
    if (this.#empty) return [];
    try {
      return (await this.#pool!.query(sql, [this.team.deptCode, this.team.clientName, ...params.map(textSafe)])).rows;
    } catch (error) {
      throw this.failure(error);
    }
  };

  /** Runs `work` in one transaction on one connection; rolled back when it throws. */
  async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    await this.ready();
    const client = await this.#pool!.connect().catch((error: unknown) => {
      throw this.failure(error);
    });
    const query: Query = async (sql, params = []) => (await client.query(sql, [this.team.deptCode, this.team.clientName, ...params.map(textSafe)])).rows;
    try {
      await client.query('BEGIN');
      const result = await work(query);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.failure(error);
    } finally {
      client.release();
    }
  }

  /** Connects and checks (read-only) or migrates the schema, once. */
  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new StateFileError('the PostgreSQL state is closed'));
    // A failed first connection is tried again by the next call (serve may start before its database).
    this.#ready ??= this.#open().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #open(): Promise<void> {
    this.#pool ??= await openPool(this.#url, POOL_SIZE);
    const client = await this.#pool.connect().catch((error: unknown) => {
      throw this.failure(error);
    });
    try {
      if (this.readonly) this.#empty = (await readSchemaVersion(client, this.target)) === 0;
      else await migrate(client, this.target);
    } catch (error) {
      throw this.failure(error);
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool?.end().catch(() => undefined);
  }
}

/**
 * PostgreSQL text cannot hold NUL, which SQLite stores and a hostile Connect may send in a
 * name: it becomes U+FFFD, so the row is kept rather than the run failing.
 */
function textSafe(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
  if (Array.isArray(value)) return value.map(textSafe);
  return value;
}
