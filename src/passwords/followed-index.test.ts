import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
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

/** A reader of `path` on a clock the test moves, and what it logged. */
function follower(path: string) {
  const clock = { now: 0 };
  const logs: string[] = [];
  const followed = new FollowedIndex(path, {
    recheckMs: 2000,
    now: () => clock.now,
    log: { warn: (_d, message) => logs.push(message), error: (_d, message) => logs.push(message) },
  });
  return { followed, clock, logs };
}

test('the file in force cut short in place is let go at once, logged once, and not opened again until it is imported again', async () => {
  const path = join(folder, 'cut.idx');
  const entries = madeUpEntries(3000, 'cut');
  await importEntries(path, entries);
  const { followed, clock, logs } = follower(path);
  const file = followed.current()!;
  truncateSync(path, statSync(path).size - 100);
  // A lookup reaches past the new end before the next look at the path.
  const last = entries.at(-1)!;
  assert.throws(() => file.count(hashBytes(last.hash)), { code: 'LK_BREACHED_INDEX_CORRUPT' });
  followed.failed(file, new Error('cut short'));
  assert.equal(followed.current(), null, 'the damaged file is out of use');
  for (let i = 0; i < 3; i++) {
    clock.now += 2000;
    assert.equal(followed.current(), null);
  }
  assert.equal(logs.length, 1, logs.join('\n'));
  await importEntries(path, entries);
  clock.now += 2000;
  assert.equal(followed.current()!.count(hashBytes(last.hash)), last.count, 'imported again: in force again');
  followed.close();
});

test('cut short in place and noticed by the periodic look first: out of use too, with one log line', async () => {
  const path = join(folder, 'cut-seen.idx');
  await importEntries(path, madeUpEntries(3000, 'seen'));
  const { followed, clock, logs } = follower(path);
  assert.ok(followed.current());
  truncateSync(path, 200);
  clock.now += 2000;
  assert.equal(followed.current(), null, 'the file in force was that very file: not kept');
  assert.deepEqual(logs, ['the breached-password index cannot be used; only the bundled common list is checked']);
  followed.close();
});

test('a read that fails on a file since replaced (a stale handle on a network share) moves to the new file at once, without a log', async () => {
  const path = join(folder, 'replaced.idx');
  const before = madeUpEntries(500, 'old');
  const later = madeUpEntries(500, 'new');
  await importEntries(path, before);
  const { followed, logs } = follower(path);
  const old = followed.current()!;
  await importEntries(path, later);
  followed.failed(old, Object.assign(new Error('stale file handle'), { code: 'ESTALE' }));
  assert.equal(followed.current()!.count(hashBytes(later[7]!.hash)), later[7]!.count, 'without waiting for the next look');
  assert.deepEqual(logs, []);
  followed.failed(old, new Error('reported again by another lookup'));
  assert.notEqual(followed.current(), null, 'a failure of a file already let go changes nothing');
  followed.close();
});
