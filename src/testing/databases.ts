/**
 * Store tests run on both databases: each suite gets a fresh SQLite file in a temp folder and a
 * fresh PostgreSQL database on TEST_DATABASE_URL's server, both removed afterwards. PostgreSQL
 * being unreachable fails the suite: a skipped test would prove nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe } from 'node:test';
import pg from 'pg';
import type { DatabaseOptions } from '../store/database.ts';
import { reasonOf } from '../store/errors.ts';
import type { DatabaseDialect } from '../store/schema.ts';
import { openStore, type Store } from '../store/store.ts';

/** The PostgreSQL server tests create their databases on (as a user allowed to CREATE DATABASE). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** Both dialects, in the order suites run. */
export const TEST_DIALECTS: readonly DatabaseDialect[] = ['sqlite', 'postgres'];

/** A fresh, empty database and how to get rid of it. */
export interface ScratchDatabase {
  readonly dialect: DatabaseDialect;
  /** Opens this database with openDatabase or openStore. */
  readonly options: DatabaseOptions;
  /** Removes the database (the SQLite folder, or the PostgreSQL database even if still in use). */
  drop(): Promise<void>;
}

/** Creates a fresh, empty database of `dialect`. */
export function createScratchDatabase(dialect: DatabaseDialect): Promise<ScratchDatabase> {
  return dialect === 'sqlite' ? scratchSqlite() : scratchPostgres();
}

async function scratchSqlite(): Promise<ScratchDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-store-'));
  return {
    dialect: 'sqlite',
    // A folder that does not exist yet, so every suite also proves that opening creates it.
    options: { sqliteFile: join(dir, 'data', 'latchkey.db') },
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

async function scratchPostgres(): Promise<ScratchDatabase> {
  // Only [a-z0-9_], so the name is safe to write into the statement unquoted.
  const name = `latchkey_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await onServer(`create database ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    dialect: 'postgres',
    options: { databaseUrl: url.href },
    drop: () => onServer(`drop database if exists ${name} with (force)`),
  };
}

/** Runs one statement on the test server's maintenance database. */
async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    const server = new URL(TEST_DATABASE_URL).host;
    throw new Error(
      `PostgreSQL for the store tests is not reachable at ${server} (${reasonOf(error)}). Start it, or set ` +
        'TEST_DATABASE_URL to a server where this user may create databases. The tests fail rather than skip.',
      { cause: error },
    );
  }
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A suite's database: its dialect, its options, and a store on it. */
export interface TestDatabase {
  readonly dialect: DatabaseDialect;
  /** Options that open this suite's database; usable in tests and hooks, not at declaration. */
  readonly options: DatabaseOptions;
  /** The suite's store, opened (and migrated) at first use, shared by its tests, closed after. */
  store(): Promise<Store>;
}

/**
 * Declares the suite `name` twice, once per dialect, each on its own fresh database. `declare`
 * adds tests and hooks as inside describe(). Reach the database from tests and beforeEach hooks
 * (not before()): there a database that could not be created fails each test with the reason.
 */
export function forEachDatabase(name: string, declare: (database: TestDatabase) => void): void {
  for (const dialect of TEST_DIALECTS) {
    describe(`${name} [${dialect}]`, () => {
      let scratch: ScratchDatabase | undefined;
      let setupError: unknown;
      let store: Promise<Store> | undefined;
      const ready = (): ScratchDatabase => {
        if (scratch) return scratch;
        throw setupError ?? new Error(`the ${dialect} test database is used before its suite started`);
      };

      before(async () => {
        try {
          scratch = await createScratchDatabase(dialect);
        } catch (error) {
          setupError = error;
        }
      });
      // The setup error fails each test here: thrown from before(), Node would report the tests
      // as cancelled, which a summary can show as "fail 0".
      beforeEach(() => {
        ready();
      });

      declare({
        dialect,
        get options() {
          return ready().options;
        },
        store: () => (store ??= openStore(ready().options)),
      });

      // Registered after the suite's own hooks, so that those still find the database.
      after(async () => {
        const opened = await store?.catch(() => undefined);
        await opened?.close();
        await scratch?.drop();
      });
    });
  }
}
