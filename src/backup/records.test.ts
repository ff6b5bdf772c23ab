/**
 * The records inside a backup: they come back as written, in pieces of any size, and anything
 * out of order, malformed, incomplete or inconsistent with its end record is refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rejectsWithCode } from '../testing/assertions.ts';
import { type BackupRecord, decodeRecords, encodeRecords, type Manifest } from './records.ts';

const manifest: Manifest = {
  type: 'manifest',
  createdAt: '2025-01-01T00:00:00.000Z',
  source: { dialect: 'sqlite', database: '/data/latchkey.sqlite' },
  migrations: ['0001-initial'],
  tables: [{ name: 'notes', columns: ['id', 'text'] }],
  sequences: [{ table: 'notes', column: 'id', value: 3 }],
  config: { ui: { organisation: 'Ünïcode Ltd' } },
};
const key: BackupRecord = { type: 'master-key', text: 'a2V5' };
const file: BackupRecord = { type: 'file', path: 'tls/cert.pem', mode: 0o644, data: Buffer.from('PEM').toString('base64') };
const rows: BackupRecord = {
  type: 'rows',
  table: 'notes',
  rows: [
    [1, 'naïve ✓'],
    [3, null],
  ],
};
const end: BackupRecord = { type: 'end', tables: { notes: 2 } };
const whole = [manifest, key, file, rows, end];

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

async function bytes(records: readonly unknown[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of encodeRecords(from(records as BackupRecord[]))) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Decodes `data` fed one byte at a time: lines and characters cut anywhere. */
async function decode(data: Buffer): Promise<BackupRecord[]> {
  const out: BackupRecord[] = [];
  for await (const record of decodeRecords(from([...data].map((byte) => Buffer.from([byte]))), 'f')) out.push(record);
  return out;
}

describe('backup records', () => {
  test('come back as written', async () => {
    assert.deepEqual(await decode(await bytes(whole)), whole);
  });

  test('out of order, missing or repeated records are refused', async () => {
    const cases: Array<[string, unknown[]]> = [
      ['rows before the manifest', [rows, manifest, key, end]],
      ['no master key', [manifest, file, rows, end]],
      ['two manifests', [manifest, manifest, key, end]],
      ['a file after the rows', [manifest, key, rows, file, end]],
      ['no end record', [manifest, key, rows]],
      ['records after the end', [...whole, rows]],
    ];
    for (const [what, records] of cases)
      await rejectsWithCode(decode(await bytes(records)), 'LK_BACKUP_DAMAGED').catch((error: Error) => assert.fail(`${what}: ${error.message}`));
  });

  test('malformed records and rows that do not fit are refused', async () => {
    const cases: unknown[][] = [
      [manifest, key, { type: 'rows', table: 'notes', rows: [[1]] }, end],
      [manifest, key, { type: 'rows', table: 'notes', rows: [[1, { nested: true }]] }, end],
      [manifest, key, { type: 'rows', table: 'other', rows: [] }, end],
      [manifest, key, { type: 'file', path: '../outside.pem', mode: 0o644, data: '' }, end],
      [manifest, key, { type: 'file', path: '/etc/passwd', mode: 0o644, data: '' }, end],
      [manifest, key, { type: 'unknown' }, end],
      [manifest, key, rows, { type: 'end', tables: { notes: 3 } }],
    ];
    for (const records of cases) await rejectsWithCode(decode(await bytes(records)), 'LK_BACKUP_DAMAGED');
    await rejectsWithCode(decode(Buffer.from('{"type":"manifest"')), 'LK_BACKUP_DAMAGED');
    await rejectsWithCode(decode(Buffer.from('not json\n')), 'LK_BACKUP_DAMAGED');
  });
});
