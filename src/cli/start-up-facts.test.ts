import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import { describeDatabase } from './start-up-facts.ts';

test('the database is described without its password, even one in the query string', () => {
  const url = 'postgresql://latchkey:s3cret%2Fpw@db.corp.example:6543/portal?sslmode=require&password=other-secret';
  const described = describeDatabase(loadConfig({ env: { DATABASE_URL: url }, base: { dataDir: '/var/lib/latchkey' } }));
  assert.deepEqual(described, { kind: 'postgresql', host: 'db.corp.example', port: 6543, database: 'portal', user: 'latchkey' });
  assert.doesNotMatch(JSON.stringify(described), /s3cret|other-secret/);
});

test('a PostgreSQL URL without port, database or user says what PostgreSQL will use', () => {
  assert.deepEqual(describeDatabase(loadConfig({ env: { DATABASE_URL: 'postgres://db.corp.example' }, base: {} })), {
    kind: 'postgresql',
    host: 'db.corp.example',
    port: 5432,
    database: '(the user name)',
    user: '(the system user)',
  });
});

test('SQLite is described by its file', () => {
  assert.deepEqual(describeDatabase(loadConfig({ env: {}, base: { dataDir: '/var/lib/latchkey' } })), {
    kind: 'sqlite',
    file: join('/var/lib/latchkey', 'latchkey.sqlite'),
  });
});
