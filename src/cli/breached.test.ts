import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { listText, madeUpEntries } from '../testing/breached-lists.ts';
import { runCli, scratchFolder } from '../testing/cli.ts';
import { progressReporter } from './breached.ts';

const scratch = scratchFolder();
after(scratch.remove);
const config = join(scratch.dir, 'latchkey.yaml');
writeFileSync(config, 'dataDir: ./data\n');
mkdirSync(join(scratch.dir, 'data'));
const index = join(scratch.dir, 'data', 'breached-passwords.idx');
const entries = madeUpEntries(300);
// The list sits in another folder than the config; the command takes it from the working directory.
const work = join(scratch.dir, 'downloads');
mkdirSync(work);
writeFileSync(join(work, 'pwned.txt.gz'), gzipSync(listText(entries)));

test('status without an index says that only the bundled list is checked', async () => {
  const run = await runCli(['breached', 'status', '--config', config], { cwd: work });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^No breached-password index at .*breached-passwords\.idx: only the bundled list of common passwords is checked/);
});

test('import reads a gzipped list from the working directory into <dataDir>/breached-passwords.idx; status then describes it', async () => {
  const run = await runCli(['breached', 'import', 'pwned.txt.gz', '--config', config], { cwd: work });
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    new RegExp(`^Imported 300 SHA-1 hashes from pwned\\.txt\\.gz in \\d+s into ${index.replace(/[.\\/]/g, '\\$&')} \\(0\\.0 MiB, [0-9.]+ bytes a hash\\)`),
  );
  assert.match(run.stderr, /^imported 300 hashes \(100\.0% of the file\) in \d+s, about 0s left\n$/, 'not a terminal: plain lines');
  assert.ok(existsSync(index));

  const status = await runCli(['breached', 'status', '--config', config]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /kind: +SHA-1\n/);
  assert.match(status.stdout, /hashes: +300\n/);
  assert.match(status.stdout, new RegExp(`built: +${new Date().toISOString().slice(0, 10)}T`));
});

test('a bad list fails with its code and exit 1, and the index in force stays', async () => {
  const before = readFileSync(index);
  const lines = listText(entries).split('\r\n');
  writeFileSync(join(work, 'unsorted.txt'), [lines[0], lines[2], lines[1], ...lines.slice(3)].join('\r\n'));
  const run = await runCli(['breached', 'import', 'unsorted.txt', '--config', config], { cwd: work });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^latchkey: Line 3 of unsorted\.txt does not come after the line before it.*\[LK_BREACHED_INPUT_UNSORTED\]\n$/);
  assert.deepEqual(readFileSync(index), before);
});

test('the index file may be set elsewhere, relative to the config file', async () => {
  const elsewhere = join(scratch.dir, 'other.yaml');
  writeFileSync(elsewhere, 'dataDir: ./data\nbreachedIndexFile: ./shared/pwned.idx\n');
  mkdirSync(join(scratch.dir, 'shared'));
  const run = await runCli(['breached', 'import', join(work, 'pwned.txt.gz'), '--config', elsewhere]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(existsSync(join(scratch.dir, 'shared', 'pwned.idx')));
});

test('a wrong command line is a usage error (exit 2)', async () => {
  for (const args of [['breached'], ['breached', 'import'], ['breached', 'status', 'extra'], ['breached', 'import', 'a', 'b']]) {
    const run = await runCli([...args, '--config', config]);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, /^latchkey: use latchkey breached import FILE, or latchkey breached status\. .*\[LK_CLI_USAGE\]\n$/);
  }
});

test('on a terminal the progress is a bar redrawn in place, with the time left', () => {
  let clock = 0;
  let written = '';
  const reporter = progressReporter({ isTTY: true, write: (text) => void (written += text) }, () => clock);
  clock = 10_000;
  reporter.report({ bytesRead: 250, totalBytes: 1000, hashes: 2_500_000 });
  clock = 10_100; // too soon to redraw
  reporter.report({ bytesRead: 300, totalBytes: 1000, hashes: 3_000_000 });
  clock = 20_000;
  reporter.report({ bytesRead: 500, totalBytes: 1000, hashes: 5_000_000 });
  reporter.end();
  assert.equal(
    written,
    `\r[########......................]  25.0%  2,500,000 hashes  ETA 30s   \r[###############...............]  50.0%  5,000,000 hashes  ETA 20s   \n`,
  );
});
