import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hashBytes, importEntries, madeUpEntries } from '../testing/breached-lists.ts';
import { FollowedIndex } from './followed-index.ts';

const folder = mkdtempSync(join(tmpdir(), 'latchkey-follow-'));
after(() => rmSync(folder, { recursive: true, force: true }));

test('a running reader notices a re-import within the recheck interval, and keeps reading the old file until then', async () => {
  const path = join(folder, 'shared.idx');
  const before = madeUpEntries(500, 'before');
  const later = madeUpEntries(500, 'later');
  let clock = 0;
  const logs: string[] = [];
  const followed = new FollowedIndex(path, {
    recheckMs: 2000,
    now: () => clock,
    log: { warn: (_d, message) => logs.push(message), error: (_d, message) => logs.push(message) },
  });
  assert.equal(followed.current(), null, 'no file yet: no index');
  await importEntries(path, before);
  clock += 1999;
  assert.equal(followed.current(), null, 'not looked at again before the interval');
  clock += 1;
  const first = followed.current()!;
  assert.equal(first.count(hashBytes(before[3]!.hash)), before[3]!.count, 'the file that appeared is used');

  // Another instance (here: this process) imports a new list over the same path.
  await importEntries(path, later);
  assert.equal(followed.current()!.count(hashBytes(before[3]!.hash)), before[3]!.count, 'until the next look, the old file is read (still open)');
  clock += 2000;
  const second = followed.current()!;
  assert.notEqual(second, first);
  assert.equal(second.count(hashBytes(later[9]!.hash)), later[9]!.count);
  assert.equal(second.count(hashBytes(before[3]!.hash)), 0);

  // A damaged file renamed over it is reported once; the index before stays in force.
  writeFileSync(join(folder, 'damaged'), 'no index here, only words long enough to look like a header of one');
  renameSync(join(folder, 'damaged'), path);
  clock += 2000;
  assert.equal(followed.current(), second);
  clock += 2000;
  assert.equal(followed.current(), second);
  assert.deepEqual(logs, ['the breached-password index was replaced by a file that cannot be used; the one before stays in force']);

  // Removed: screening goes on without it; imported again: used again.
  rmSync(path);
  clock += 2000;
  assert.equal(followed.current(), null);
  await importEntries(path, before);
  clock += 2000;
  assert.equal(followed.current()!.count(hashBytes(before[0]!.hash)), before[0]!.count);
  followed.close();
});
