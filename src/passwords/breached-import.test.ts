import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { hashBytes, importEntries, listText, madeUpEntries, ntlmHex } from '../testing/breached-lists.ts';
import { importBreachedFile } from './breached-import.ts';
import { IndexFile } from './breached-index.ts';

const folder = mkdtempSync(join(tmpdir(), 'latchkey-import-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const indexFile = join(folder, 'breached-passwords.idx');
const entries = madeUpEntries(300);

function lookUp(hashHex: string): number {
  const index = IndexFile.open(indexFile);
  try {
    return index.count(hashBytes(hashHex));
  } finally {
    index.close();
  }
}

function writeInput(name: string, content: string | Buffer): string {
  const file = join(folder, name);
  writeFileSync(file, content);
  return file;
}

test('the downloader text imports with CRLF or LF, with or without a last line ending, and gzipped', async () => {
  const variants: [string, string | Buffer][] = [
    ['crlf.txt', listText(entries)],
    ['lf.txt', listText(entries, { newline: '\n' })],
    ['no-final-newline.txt', listText(entries, { finalNewline: false })],
    ['list.txt.gz', gzipSync(listText(entries))],
    ['named-plainly.txt', gzipSync(listText(entries, { newline: '\n' }))],
    ['bom.txt', `\uFEFF${listText(entries)}`],
  ];
  for (const [name, content] of variants) {
    rmSync(indexFile, { force: true });
    const progress: number[] = [];
    const header = await importBreachedFile(writeInput(name, content), { indexFile, onProgress: (p) => progress.push(p.hashes) });
    assert.equal(header.hashes, entries.length, name);
    assert.equal(header.kind, 'sha1');
    assert.equal(progress.at(-1), entries.length, `${name}: the last progress report counts every line`);
    for (const entry of [entries[0]!, entries[150]!, entries.at(-1)!]) assert.equal(lookUp(entry.hash), entry.count, name);
  }
});

test('an NTLM list is recognised from its first line', async () => {
  const hashes = (await Promise.all(['one', 'two', 'three'].map(ntlmHex))).sort();
  const header = await importBreachedFile(writeInput('ntlm.txt', hashes.map((hash, i) => `${hash}:${i + 1}\r\n`).join('')), { indexFile });
  assert.equal(header.kind, 'ntlm');
  assert.equal(lookUp(hashes[2]!), 3);
});

test('every bad list is refused with its own code and leaves the old index in force, without temporary files', async () => {
  await importEntries(indexFile, entries);
  const before = readFileSync(indexFile);
  const good = listText(entries);
  const lines = good.split('\r\n');
  const ntlm = await ntlmHex('mixed');
  const withLine = (at: number, line: string) => [...lines.slice(0, at), line, ...lines.slice(at)].join('\r\n');
  const cases: [string, string | Buffer, string, RegExp][] = [
    ['empty.txt', '', 'LK_BREACHED_INPUT_EMPTY', /holds no hashes/],
    ['empty.gz', gzipSync(''), 'LK_BREACHED_INPUT_EMPTY', /holds no hashes/],
    ['cut.txt', good.slice(0, good.length - 30), 'LK_BREACHED_INPUT_TRUNCATED', /line 300.*cut short/],
    ['cut.gz', gzipSync(good).subarray(0, 2000), 'LK_BREACHED_INPUT_TRUNCATED', /cut short/],
    ['short-hash.txt', withLine(10, `${entries[10]!.hash.slice(0, 39)}:4`), 'LK_BREACHED_INPUT_FORMAT', /Line 11 .*39 characters before the colon/],
    ['no-count.txt', withLine(10, `${entries[10]!.hash}`), 'LK_BREACHED_INPUT_FORMAT', /Line 11 .*no colon/],
    ['bad-count.txt', withLine(10, `${entries[10]!.hash}:12x`), 'LK_BREACHED_INPUT_FORMAT', /Line 11 .*not a whole number/],
    ['zero-count.txt', withLine(10, `${entries[10]!.hash}:0`), 'LK_BREACHED_INPUT_FORMAT', /count of 0/],
    ['not-hex.txt', withLine(0, `${'G'.repeat(40)}:1`), 'LK_BREACHED_INPUT_FORMAT', /Line 1 .*no hex digit/],
    ['blank-line.txt', withLine(5, ''), 'LK_BREACHED_INPUT_FORMAT', /Line 6 /],
    ['html.txt', '<!DOCTYPE html>\n<html></html>\n', 'LK_BREACHED_INPUT_FORMAT', /Line 1 /],
    ['mixed.txt', `${entries[0]!.hash}:1\r\n${ntlm}:2\r\n`, 'LK_BREACHED_INPUT_MIXED', /Line 2 .*NTLM hash but the list began with SHA-1/],
    ['unsorted.txt', [lines[1], lines[0], ...lines.slice(2)].join('\r\n'), 'LK_BREACHED_INPUT_UNSORTED', /Line 2 .*sorted/],
    ['repeated.txt', withLine(50, lines[49]!), 'LK_BREACHED_INPUT_UNSORTED', /Line 51 /],
    // The same hash again in small letters, with another count: still the same hash.
    ['repeated-lower.txt', withLine(50, `${entries[49]!.hash.toLowerCase()}:99`), 'LK_BREACHED_INPUT_UNSORTED', /Line 51 .*each hash once/],
    ['missing.txt', '', 'LK_BREACHED_INPUT_UNREADABLE', /ENOENT/],
    ['bad.gz', Buffer.concat([gzipSync(good).subarray(0, 10), Buffer.alloc(500, 0x41)]), 'LK_BREACHED_INPUT_UNREADABLE', /not valid gzip data/],
  ];
  for (const [name, content, code, message] of cases) {
    const file = name === 'missing.txt' ? join(folder, 'nowhere', name) : writeInput(name, content);
    await assert.rejects(importBreachedFile(file, { indexFile }), (error: Error & { code?: string }) => {
      assert.equal(error.code, code, `${name}: ${error.message}`);
      assert.match(error.message, message, name);
      assert.doesNotMatch(error.message, /\n\s+at /, 'no stack in the message');
      return true;
    });
    assert.deepEqual(readFileSync(indexFile), before, `${name}: the old index is untouched`);
    assert.deepEqual(
      readdirSync(folder).filter((file) => file.endsWith('.tmp')),
      [],
      `${name}: no temporary file is left`,
    );
  }
  assert.equal(lookUp(entries[7]!.hash), entries[7]!.count);
});

test('an index that cannot be written is refused and the old one stays', async () => {
  await importEntries(indexFile, entries);
  const before = readFileSync(indexFile);
  const input = writeInput('good.txt', listText(entries));
  await assert.rejects(importBreachedFile(input, { indexFile: join(folder, 'no-such-folder', 'x.idx') }), { code: 'LK_BREACHED_INDEX_WRITE' });
  assert.deepEqual(readFileSync(indexFile), before);
});
