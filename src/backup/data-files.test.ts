/**
 * The data folder's files: the TLS files found and carried, and restored files that appear all
 * at once with their modes, or not at all.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { dataFilePath, existing, readDataFiles, StagedFiles } from './data-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-data-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('data folder files', () => {
  test('the TLS files present are carried, with the key marked owner-only', async () => {
    const dataDir = join(dir, 'source');
    assert.deepEqual(await readDataFiles(dataDir), [], 'a folder without them (or none at all) carries nothing');
    mkdirSync(join(dataDir, 'tls'), { recursive: true });
    writeFileSync(join(dataDir, 'tls', 'cert.pem'), 'CERT');
    writeFileSync(join(dataDir, 'tls', 'key.pem'), 'KEY');
    const records = await readDataFiles(dataDir);
    assert.deepEqual(
      records.map(({ path, mode, data }) => [path, mode, Buffer.from(data, 'base64').toString()]),
      [
        ['tls/cert.pem', 0o644, 'CERT'],
        ['tls/key.pem', 0o600, 'KEY'],
      ],
    );
    assert.deepEqual(existing(records.map((record) => dataFilePath(dataDir, record))), [join(dataDir, 'tls', 'cert.pem'), join(dataDir, 'tls', 'key.pem')]);
  });

  test('staged files appear on commit with their modes, and vanish on abort', async () => {
    const target = join(dir, 'target');
    const aborted = new StagedFiles();
    await aborted.add(join(target, 'master.key'), 'secret\n', 0o600);
    await aborted.add(join(target, 'tls', 'cert.pem'), 'CERT', 0o644);
    await aborted.abort();
    assert.deepEqual(readdirSync(target, { recursive: true }), ['tls'], 'only the (empty) folder remains');

    const committed = new StagedFiles();
    await committed.add(join(target, 'master.key'), 'secret\n', 0o600);
    await committed.add(join(target, 'tls', 'key.pem'), 'KEY', 0o600);
    assert.ok(!existsSync(join(target, 'master.key')), 'nothing under the final names before commit');
    await committed.commit();
    assert.equal(readFileSync(join(target, 'master.key'), 'utf8'), 'secret\n');
    assert.equal(statSync(join(target, 'master.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(target, 'tls', 'key.pem')).mode & 0o777, 0o600);
  });
});
