import assert from 'node:assert/strict';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runtimeSchema } from '../config/schema.ts';
import { importEntries, type ListEntry, ntlmHex, rangeService, sha1Hex } from '../testing/breached-lists.ts';
import { dataOffset } from './breached-index.ts';
import { type BreachedPasswordSettings, createPasswordScreen } from './screening.ts';

const folder = mkdtempSync(join(tmpdir(), 'latchkey-screen-'));
const servers: Server[] = [];
after(async () => {
  rmSync(folder, { recursive: true, force: true });
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** The defaults, as the settings schema gives them. */
function defaults(): BreachedPasswordSettings {
  return runtimeSchema.shape.breachedPasswords.parse({});
}

const logs: string[] = [];
const log = { warn: (_d: object, message: string) => logs.push(message), error: (_d: object, message: string) => logs.push(message) };

function sorted(entries: ListEntry[]): ListEntry[] {
  return entries.sort((a, b) => (a.hash < b.hash ? -1 : 1));
}

test('without an index: the bundled common passwords (any case) are refused, others are clear, and no range is known', async () => {
  const screen = createPasswordScreen({ settings: defaults, indexFile: join(folder, 'none.idx'), log });
  assert.deepEqual(await screen.check('password1'), { outcome: 'common' });
  assert.deepEqual(await screen.check('PassWord1'), { outcome: 'common' });
  assert.deepEqual(await screen.check('qwerty'), { outcome: 'common' });
  assert.deepEqual(await screen.check('violet kettle 83 harbour'), { outcome: 'clear' });
  assert.deepEqual(await screen.range('5BAA6'), []);
  screen.close();
});

test('a SHA-1 index: a listed password is breached with its count, from the minimum count the settings ask for; its range is served', async () => {
  const indexFile = join(folder, 'sha1.idx');
  await importEntries(
    indexFile,
    sorted([
      { hash: sha1Hex('violet kettle 83 harbour'), count: 7 },
      { hash: sha1Hex('password'), count: 10_434_004 },
    ]),
  );
  const settings = defaults();
  const screen = createPasswordScreen({ settings: () => settings, indexFile, log });
  assert.deepEqual(await screen.check('violet kettle 83 harbour'), { outcome: 'breached', count: 7 });
  assert.deepEqual(await screen.check('password'), { outcome: 'breached', count: 10_434_004 });
  assert.deepEqual(await screen.check('Violet kettle 83 harbour'), { outcome: 'clear' }, 'the index is exact about case');
  const violet = sha1Hex('violet kettle 83 harbour').slice(0, 5);
  assert.deepEqual(
    (await screen.range(violet)).map((entry) => entry.count),
    [7],
  );
  settings.minimumCount = 8; // changed in the console: the next check follows
  assert.deepEqual(await screen.check('violet kettle 83 harbour'), { outcome: 'clear' });
  assert.deepEqual(await screen.check('password'), { outcome: 'breached', count: 10_434_004 });
  assert.deepEqual(await screen.range(violet), [], "the page's check is not told of what the server accepts");

  const hash = sha1Hex('password');
  const range = await screen.range(hash.slice(0, 5).toLowerCase());
  assert.equal(range.length, 1);
  assert.ok(hash.slice(5).startsWith(range[0]!.suffix) && range[0]!.suffix.length >= 1, 'a tiny index keeps few digits');
  assert.equal(range[0]!.count, 10_434_004);
  for (const bad of ['5BAA', '5BAA61', 'XYZ12', '', '5BAA\n']) {
    await assert.rejects(screen.range(bad), { code: 'LK_BREACHED_PREFIX_INVALID' }, JSON.stringify(bad));
  }
  screen.close();
});

test('an NTLM index screens by NTLM and serves no range (the range check speaks SHA-1)', async () => {
  const indexFile = join(folder, 'ntlm.idx');
  await importEntries(
    indexFile,
    sorted([
      { hash: await ntlmHex('Tr0ub4dor&3'), count: 3 },
      { hash: await ntlmHex('zebra'), count: 1 },
    ]),
  );
  const screen = createPasswordScreen({ settings: defaults, indexFile, log });
  assert.deepEqual(await screen.check('Tr0ub4dor&3'), { outcome: 'breached', count: 3 });
  assert.deepEqual(await screen.check('violet kettle 83 harbour'), { outcome: 'clear' });
  assert.deepEqual(await screen.range((await ntlmHex('zebra')).slice(0, 5)), []);
  screen.close();
});

test('online: a listed password is breached; an unreachable service allows with a warning or refuses, as the admin chose', async () => {
  const service = await rangeService({ 'violet kettle 83 harbour': 42 });
  after(service.close);
  const url = service.url;
  const hanging = createServer(() => undefined);
  servers.push(hanging);
  hanging.listen(0, '127.0.0.1');
  await once(hanging, 'listening');
  const settings = defaults();
  const screen = createPasswordScreen({ settings: () => settings, indexFile: join(folder, 'none.idx'), log });
  assert.deepEqual(await screen.check('violet kettle 83 harbour'), { outcome: 'clear' }, 'off by default');

  settings.online = { ...settings.online, enabled: true, url };
  assert.deepEqual(await screen.check('violet kettle 83 harbour'), { outcome: 'breached', count: 42 });
  assert.deepEqual(await screen.check('another unlisted phrase'), { outcome: 'clear' });
  assert.deepEqual(await screen.check('password1'), { outcome: 'common' }, 'the bundled list answers first');

  logs.length = 0;
  settings.online = { ...settings.online, url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/range/`, timeoutMs: 200 };
  assert.deepEqual(await screen.check('violet kettle 83 harbour'), { outcome: 'clear', warning: 'online-unreachable' });
  settings.online = { ...settings.online, whenUnreachable: 'refuse' };
  assert.deepEqual(await screen.check('violet kettle 83 harbour'), { outcome: 'unavailable' });
  assert.deepEqual(logs, ['the online breached-password check did not answer', 'the online breached-password check did not answer']);
  screen.close();
});

test('a damaged index is logged and skipped: the common list still screens', async () => {
  const indexFile = join(folder, 'damaged.idx');
  writeFileSync(indexFile, 'LKBREACH but nothing else that an index needs, long enough for a header');
  logs.length = 0;
  const screen = createPasswordScreen({ settings: defaults, indexFile, log });
  assert.deepEqual(await screen.check('password1'), { outcome: 'common' });
  assert.deepEqual(await screen.check('violet kettle 83 harbour'), { outcome: 'clear' });
  assert.deepEqual(logs, ['the breached-password index cannot be used; only the bundled common list is checked']);
  screen.close();
});

test('a password is screened exactly as typed, as Pwned Passwords hashes it: another Unicode form or case is another password', async () => {
  const indexFile = join(folder, 'unicode.idx');
  const composed = 'Crème-brûlée-Kp9!'.normalize('NFC');
  const decomposed = 'Café-Kp9-Qz!-river'.normalize('NFD');
  await importEntries(
    indexFile,
    sorted([
      { hash: sha1Hex(composed), count: 12 },
      { hash: sha1Hex(decomposed), count: 34 },
    ]),
  );
  const screen = createPasswordScreen({ settings: defaults, indexFile, log });
  assert.deepEqual(await screen.check(composed), { outcome: 'breached', count: 12 });
  assert.deepEqual(await screen.check(decomposed), { outcome: 'breached', count: 34 });
  assert.notEqual(composed.normalize('NFD'), composed);
  assert.deepEqual(await screen.check(composed.normalize('NFD')), { outcome: 'clear' }, 'the same letters decomposed are not the listed bytes');
  assert.deepEqual(await screen.check(decomposed.normalize('NFC')), { outcome: 'clear' });
  assert.deepEqual(await screen.check(composed.toUpperCase()), { outcome: 'clear' });
  screen.close();
});

test('an index whose data is damaged in place while in use: lookups and ranges never fail, the common list still screens, one log line', async () => {
  const indexFile = join(folder, 'rotten.idx');
  const entries = sorted(Array.from({ length: 3000 }, (_, i) => ({ hash: sha1Hex(`rotten-${i}`), count: 5 })));
  const { bucketBits } = await importEntries(indexFile, entries);
  logs.length = 0;
  const screen = createPasswordScreen({ settings: defaults, indexFile, log });
  assert.deepEqual(await screen.check('rotten-1'), { outcome: 'breached', count: 5 });
  // Every byte after the header and its table zeroed, as a bad disk might: the file still opens.
  const start = dataOffset(bucketBits);
  const fd = openSync(indexFile, 'r+');
  const zeros = Buffer.alloc(statSync(indexFile).size - start);
  writeSync(fd, zeros, 0, zeros.length, start);
  closeSync(fd);
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(await screen.check(`rotten-${i}`), { outcome: 'clear' });
    assert.deepEqual(await screen.range(sha1Hex(`rotten-${i}`).slice(0, 5)), []);
  }
  assert.deepEqual(await screen.check('Sunshine1'), { outcome: 'common' });
  assert.deepEqual(logs, ['the breached-password index could not be read; only the bundled common list is checked until the list is imported again']);
  screen.close();
});
