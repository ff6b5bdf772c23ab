import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hashBytes, importEntries, type ListEntry, madeUpEntries, ntlmHex, sha1Hex } from '../testing/breached-lists.ts';
import { FALSE_POSITIVE_BITS, IndexFile, residualBits } from './breached-index.ts';

const folder = mkdtempSync(join(tmpdir(), 'latchkey-index-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;
const newFile = () => join(folder, `index-${files++}.idx`);

/** Opens an index of `entries`, runs `use`, and closes it. */
async function withIndex<T>(entries: ListEntry[], use: (index: IndexFile, path: string) => T | Promise<T>, expectedHashes?: number): Promise<T> {
  const path = newFile();
  await importEntries(path, entries, expectedHashes);
  const index = IndexFile.open(path);
  try {
    return await use(index, path);
  } finally {
    index.close();
  }
}

test('every imported hash is found with its exact count; hashes never imported are not', async () => {
  const entries = madeUpEntries(5000);
  await withIndex(entries, (index, path) => {
    assert.equal(index.header.kind, 'sha1');
    assert.equal(index.header.hashes, 5000);
    assert.equal(index.header.entries, 5000);
    assert.ok(index.header.bucketBits > 0, 'more than one bucket');
    for (const entry of entries) assert.equal(index.count(hashBytes(entry.hash)), entry.count, entry.hash);
    // Words of the same kind, never imported (the hashes are fixed, so this never flickers).
    const found = madeUpEntries(20_000, 'absent').filter((entry) => index.count(hashBytes(entry.hash)) > 0);
    assert.deepEqual(found, []);
    assert.ok(index.header.falsePositiveRate > 0 && index.header.falsePositiveRate < 2 ** -FALSE_POSITIVE_BITS);
    assert.ok(statSync(path).size / 5000 < 5, `${statSync(path).size / 5000} bytes a hash`);
  });
});

test('counts of every size are kept exactly', async () => {
  const counts = [1, 2, 3, 4, 7, 8, 255, 256, 65_535, 1_000_000, 52_256_179, 2 ** 32 - 1];
  const entries = counts.map((count, i) => ({ hash: sha1Hex(`count-${i}`), count })).sort((a, b) => (a.hash < b.hash ? -1 : 1));
  await withIndex(entries, (index) => {
    for (const entry of entries) assert.equal(index.count(hashBytes(entry.hash)), entry.count);
  });
});

test('the first and last possible hashes, and hashes on both sides of bucket boundaries, are found', async () => {
  const expected = 4096; // 5 bucket bits: buckets are the top 5 bits
  const edges: ListEntry[] = [{ hash: '0'.repeat(40), count: 11 }];
  for (let bucket = 1; bucket < 32; bucket++) {
    const top = bucket << 3; // the top 5 bits of the first byte
    edges.push({ hash: `${(top - 1).toString(16).padStart(2, '0').toUpperCase()}${'F'.repeat(38)}`, count: bucket });
    edges.push({ hash: `${top.toString(16).padStart(2, '0').toUpperCase()}${'0'.repeat(38)}`, count: 1000 + bucket });
  }
  edges.push({ hash: 'F'.repeat(40), count: 12 });
  const entries = edges.sort((a, b) => (a.hash < b.hash ? -1 : 1));
  await withIndex(
    entries,
    (index) => {
      assert.equal(index.header.bucketBits, 5);
      for (const entry of entries) assert.equal(index.count(hashBytes(entry.hash)), entry.count, entry.hash);
      // One step inside the kept bits from an edge is another hash, not listed.
      assert.equal(index.count(hashBytes(`${'0'.repeat(5)}1${'0'.repeat(34)}`)), 0);
      assert.equal(index.count(hashBytes(`${'F'.repeat(5)}E${'F'.repeat(34)}`)), 0);
      // Past the kept bits the index cannot tell: such a hash counts as the listed one.
      assert.equal(index.count(hashBytes(`${'F'.repeat(39)}0`)), 12);
    },
    expected,
  );
});

test('each bucket keeps whole hex digits, and at least 20 bits more than its entries need', () => {
  for (const bucketBits of [0, 1, 5, 20, 23, 30]) {
    for (const n of [1, 2, 64, 100, 128, 1000, 100_000]) {
      const bits = residualBits(bucketBits, n);
      assert.equal((bucketBits + bits) % 4, 0);
      assert.ok(n / 2 ** bits < 2 ** -FALSE_POSITIVE_BITS);
      assert.ok(n / 2 ** bits >= 2 ** -(FALSE_POSITIVE_BITS + 4));
    }
  }
});

test('an NTLM list is indexed as NTLM', async () => {
  const entries = await Promise.all(['password', 'letmein', 'Winter2024!'].map(async (word, i) => ({ hash: await ntlmHex(word), count: i + 1 })));
  entries.sort((a, b) => (a.hash < b.hash ? -1 : 1));
  await withIndex(entries, async (index) => {
    assert.equal(index.header.kind, 'ntlm');
    assert.equal(index.count(hashBytes(await ntlmHex('letmein'))), 2);
    assert.equal(index.count(hashBytes(await ntlmHex('letmeout'))), 0);
    assert.equal(hashBytes(await ntlmHex('password')).toString('hex'), '8846f7eaee8fb117ad06bdd830b7586c');
  });
});

/** The range of `prefix` lists exactly the entries under it, in order, each suffix a start of the hash's rest. */
function assertRange(index: IndexFile, entries: ListEntry[], prefix: string): void {
  const range = index.range(Number.parseInt(prefix, 16));
  const listed = entries.filter((entry) => entry.hash.startsWith(prefix));
  assert.equal(range.length, listed.length, prefix);
  range.forEach((entry, i) => {
    assert.ok(entry.suffix.length >= 3 && listed[i]!.hash.slice(5).startsWith(entry.suffix), `${prefix}${entry.suffix}`);
    assert.equal(entry.count, listed[i]!.count);
  });
}

test('a range lists the entries under a prefix, with the suffix digits the index keeps, whatever the bucket size', async () => {
  // A crowded prefix, both of its neighbours, and hashes elsewhere.
  const base = madeUpEntries(3000);
  const crowded = Array.from({ length: 40 }, (_, i) => ({ hash: `ABCDE${sha1Hex(`c${i}`).slice(5)}`, count: i + 1 }));
  const neighbours = [
    { hash: `ABCDD${'F'.repeat(35)}`, count: 5 },
    { hash: `ABCDF${'0'.repeat(35)}`, count: 6 },
  ];
  const entries = [...base, ...crowded, ...neighbours].sort((a, b) => (a.hash < b.hash ? -1 : 1));
  // Few buckets (a prefix is part of one), then more buckets than prefixes (a prefix spans several).
  for (const expectedHashes of [3000, 2 ** 28]) {
    await withIndex(
      entries,
      (index) => {
        assert.equal(index.header.bucketBits > 20, expectedHashes > 2 ** 27);
        for (const prefix of ['ABCDE', 'ABCDD', 'ABCDF', '00000', 'FFFFF', entries[1234]!.hash.slice(0, 5)]) assertRange(index, entries, prefix);
        assert.equal(index.range(0xabcde).length, 40);
      },
      expectedHashes,
    );
  }
});

test('a damaged or cut-short index file is refused with a clear error', async () => {
  const path = newFile();
  const entries = madeUpEntries(2000);
  await importEntries(path, entries);
  const good = readFileSync(path);
  const refused = (reason: RegExp) => (error: unknown) => {
    assert.equal((error as { code?: string }).code, 'LK_BREACHED_INDEX_CORRUPT');
    assert.match((error as Error).message, reason);
    assert.match((error as Error).message, /latchkey breached import/);
    return true;
  };

  truncateSync(path, good.length - 7);
  assert.throws(() => IndexFile.open(path), refused(/cut short/));
  writeFileSync(path, 'not an index at all, just words that go on for long enough to fill a header');
  assert.throws(() => IndexFile.open(path), refused(/not a breached-password index/));
  const header = Buffer.from(good);
  header[20]! ^= 1;
  writeFileSync(path, header);
  assert.throws(() => IndexFile.open(path), refused(/header is damaged/));

  // Data turned to zeros: no code in it ever ends, and a lookup says so instead of guessing.
  const zeroed = Buffer.from(good);
  const dataStart = 64 + (2 ** good.readUInt8(11) + 1) * 5; // header, then the table
  zeroed.fill(0, dataStart);
  writeFileSync(path, zeroed);
  const index = IndexFile.open(path);
  assert.throws(() => index.count(hashBytes(entries[0]!.hash)), refused(/bucket/));
  index.close();
});
