import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { openStateStore, StateFileError } from './store.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'state-migrations-'));
  file = path.join(dir, 'state.sqlite');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `action` on a plain connection to the file. */
function raw<T>(action: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return action(db);
  } finally {
    db.close();
  }
}

function tables(): string[] {
  return raw((db) => db.prepare<[], string>(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).pluck(true).all());
}

describe('migrations', () => {
  it('lists versions in increasing order, ending at SCHEMA_VERSION', () => {
    const versions = MIGRATIONS.map((migration) => migration.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions.at(-1)).toBe(SCHEMA_VERSION);
  });

  it('creates the folder, the file and the schema, and re-opens it as is', () => {
    file = path.join(dir, 'a', 'b', 'state.sqlite');
    openStateStore(file).close();
    expect(raw((db) => db.pragma('user_version', { simple: true }))).toBe(SCHEMA_VERSION);
    expect(tables()).toEqual(['confirmed', 'lock', 'optout_journal', 'optout_position', 'retries', 'run_issues', 'runs', 'still_failing', 'watermarks']);

    const store = openStateStore(file);
    store.setWatermarks([{ filterId: 1, modifiedAt: '2026-11-24T18:05:22.000Z', contactId: '1', fingerprint: 'f' }]);
    store.close();
    const again = openStateStore(file);
    expect(again.listWatermarks()).toHaveLength(1);
    again.close();
    expect(raw((db) => db.pragma('user_version', { simple: true }))).toBe(SCHEMA_VERSION);
  });

  it('runs in WAL mode while open', () => {
    const store = openStateStore(file);
    expect(raw((db) => db.pragma('journal_mode', { simple: true }))).toBe('wal');
    store.close();
  });

  it('refuses a file written by a newer version, read-only or not, and leaves it alone', () => {
    openStateStore(file).close();
    raw((db) => db.pragma(`user_version = ${SCHEMA_VERSION + 1}`));
    const before = fs.readFileSync(file);

    for (const readonly of [false, true]) {
      expect(() => openStateStore(file, { readonly })).toThrow(StateFileError);
      expect(() => openStateStore(file, { readonly })).toThrow(
        new RegExp(`written by a newer connect-sync \\(schema version ${SCHEMA_VERSION + 1}; this version knows up to ${SCHEMA_VERSION}\\)`),
      );
    }
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['state.sqlite']);
  });

  it('refuses an SQLite file that is not a state file', () => {
    raw((db) => db.exec('CREATE TABLE contacts (id TEXT)'));
    expect(() => openStateStore(file)).toThrow(/not a connect-sync state file/);
    expect(() => openStateStore(file, { readonly: true })).toThrow(/not a connect-sync state file/);
    expect(tables()).toEqual(['contacts']);
  });

  it('refuses a file that is not SQLite at all', () => {
    fs.writeFileSync(file, 'connect:\n  endpoint: https://example.edu\n'.repeat(20));
    for (const readonly of [false, true]) {
      const error = (() => {
        try {
          openStateStore(file, { readonly }).close();
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(StateFileError);
      expect((error as Error).message).toContain(file);
    }
  });

  it('says so when the folder cannot be created', () => {
    fs.writeFileSync(path.join(dir, 'taken'), '');
    expect(() => openStateStore(path.join(dir, 'taken', 'state.sqlite'))).toThrow(StateFileError);
  });

  it('lets two stores open a new file together and migrates it once', () => {
    const first = openStateStore(file);
    const second = openStateStore(file);
    first.recordConfirmed([{ contactId: '1', payload: { uniqueCampusId: '1' } as never }]);
    expect(second.getConfirmed(['1']).size).toBe(1);
    first.close();
    second.close();
  });
});
