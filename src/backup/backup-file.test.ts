/**
 * A backup file on disk: records through gzip and encryption and back, the old file kept when a
 * new backup fails half-way, and the file-system's errors named.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { rejectsWithCode } from '../testing/assertions.ts';
import { openBackupFile, writeBackupFile } from './backup-file.ts';
import type { BackupRecord } from './records.ts';

const PASSWORD = 'a long backup passphrase';
const dir = mkdtempSync(join(tmpdir(), 'latchkey-backup-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A manifest and enough rows (incompressible text) to span several 1 MiB parts. */
async function* records(fail = false): AsyncGenerator<BackupRecord> {
  yield {
    type: 'manifest',
    createdAt: '',
    source: { dialect: 'sqlite', database: 'x' },
    migrations: [],
    tables: [{ name: 't', columns: ['v'] }],
    sequences: [],
    config: {},
  };
  yield { type: 'master-key', text: 'k' };
  for (let batch = 0; batch < 30; batch++) {
    if (fail && batch === 20) throw new Error('the database went away');
    yield { type: 'rows', table: 't', rows: Array.from({ length: 500 }, (_, i) => [`${batch}-${i}-${randomBytes(96).toString('base64')}`]) };
  }
  yield { type: 'end', tables: { t: 15_000 } };
}

describe('backup file', () => {
  test('records come back through compression and encryption; the file is owner-only', async () => {
    const file = join(dir, 'round-trip.lkbackup');
    const bytes = await writeBackupFile(file, PASSWORD, records());
    assert.equal(bytes, statSync(file).size);
    assert.ok(bytes > 1 << 20, `several parts: ${bytes} bytes`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const backup = await openBackupFile(file, PASSWORD);
    // Read twice with one password derivation, as a restore does.
    for (let reading = 0; reading < 2; reading++) {
      let rows = 0;
      for await (const record of backup.records()) if (record.type === 'rows') rows += record.rows.length;
      assert.equal(rows, 15_000);
    }
    await rejectsWithCode(openBackupFile(file, 'another passphrase'), 'LK_BACKUP_PASSWORD');
  });

  test('a backup that fails half-way leaves the previous file as it was, and no partial file', async () => {
    const file = join(dir, 'kept.lkbackup');
    writeFileSync(file, 'the previous backup');
    await assert.rejects(writeBackupFile(file, PASSWORD, records(true)), /the database went away/);
    assert.equal(readFileSync(file, 'utf8'), 'the previous backup');
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.startsWith('kept')),
      ['kept.lkbackup'],
    );
  });

  test('missing files, unwritable places and other formats are named', async () => {
    await rejectsWithCode(openBackupFile(join(dir, 'missing.lkbackup'), PASSWORD), 'LK_BACKUP_FILE');
    await rejectsWithCode(writeBackupFile(join(dir, 'no-such-folder', 'x.lkbackup'), PASSWORD, records()), 'LK_BACKUP_FILE');
    const gzip = join(dir, 'plain.json.gz');
    writeFileSync(gzip, gzipSync('{"type":"manifest"}\n'));
    await rejectsWithCode(openBackupFile(gzip, PASSWORD), 'LK_BACKUP_FORMAT');
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    await rejectsWithCode(openBackupFile(empty, PASSWORD), 'LK_BACKUP_FORMAT');
  });
});
