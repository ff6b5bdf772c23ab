import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { configSchema } from '../../config/schema.ts';
import { importEntries, madeUpEntries } from '../../testing/breached-lists.ts';
import { breachedCheck } from './breached.ts';

const folder = mkdtempSync(join(tmpdir(), 'latchkey-doctor-breached-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const config = configSchema.parse({ dataDir: folder });

test('without an index the doctor warns that only the bundled list screens', () => {
  const check = breachedCheck(config);
  assert.equal(check.status, 'WARN');
  assert.equal(check.summary, 'no breached-password index: only the bundled common list');
  assert.ok(check.details.includes(join(folder, 'breached-passwords.idx')));
});

test('an index passes with its kind, size and build date; a damaged one fails with the fix', async () => {
  await importEntries(join(folder, 'breached-passwords.idx'), madeUpEntries(1200));
  const check = breachedCheck(config);
  assert.equal(check.status, 'PASS');
  assert.match(check.summary, new RegExp(`^SHA-1 index of 1,200 hashes, built ${new Date().toISOString().slice(0, 10)}$`));
  writeFileSync(join(folder, 'breached-passwords.idx'), 'damaged');
  const damaged = breachedCheck(config);
  assert.equal(damaged.status, 'FAIL');
  assert.match(damaged.summary, /LK_BREACHED_INDEX_CORRUPT/);
  assert.match(damaged.details.join('\n'), /latchkey breached import/);
});
