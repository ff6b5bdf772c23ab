/**
 * Master-key rotation at the settings level, on both databases, with one key file per "host":
 * a database from before key rings adopts the key its secrets use; between the two steps every
 * value stays under the old key, so an instance with only the old key file keeps working; the
 * retirement waits for every running instance, then moves every secret at once; a save racing
 * it loses nothing; a committed save never fails afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type AuditRecorder, createAuditRecorder } from '../audit/recorder.ts';
import { openStore, type Store } from '../store/store.ts';
import { totpSecretName } from '../store/totp.ts';
import { rejectsWithCode } from '../testing/assertions.ts';
import { createScratchDatabase, TEST_DIALECTS } from '../testing/databases.ts';
import { keyIdOf, keyRing, type MasterKey, newMasterKey } from './key-ring.ts';
import { HOLDER_LIVE_MS } from './key-state.ts';
import { loadMasterKey, writeKeyFile } from './master-key.ts';
import { SettingsService } from './service.ts';

const INITIAL = {
  directory: {
    urls: ['ldaps://dc.latchkey.test'],
    bindDn: 'CN=svc,DC=latchkey,DC=test',
    bindPassword: 'bind-secret',
    searchBases: ['OU=Staff,DC=latchkey,DC=test'],
  },
};
const EDITOR = { sam: 'admin', guid: '', ip: '127.0.0.1' };
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let clock = Date.now();
const now = () => clock;

/** A host: its own key file holding `keys`. */
function host(keys: MasterKey[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-rotation-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'master.key');
  writeKeyFile(file, keyRing(keys));
  return file;
}

/** An instance on `file`, loaded (the first one imports INITIAL) and reporting its keys, as createApp does. */
async function instance(store: Store, file: string, audit: AuditRecorder = createAuditRecorder(store.audit, 'admin', now)): Promise<SettingsService> {
  const settings = new SettingsService(store.settings, loadMasterKey(file, { env: {} }), audit, now);
  await settings.load(INITIAL);
  await settings.reportKeys();
  return settings;
}

/** The ids of the keys the stored secrets are sealed with. */
async function sealedWith(store: Store): Promise<Set<string>> {
  return new Set((await store.settings.all()).filter((row) => row.secret).map((row) => keyIdOf(row.value as string)!));
}

const bindPassword = (password: string) => ({ ...INITIAL.directory, bindPassword: password });

/** Step 1 as the CLI does it on the host of `file`: the new key added beside the old ones, recorded as next. */
async function rotate(settings: SettingsService, file: string, old: MasterKey[]): Promise<MasterKey> {
  const next = newMasterKey();
  writeKeyFile(file, keyRing([...old, next]));
  await settings.stageKey(next.id);
  return next;
}

for (const dialect of TEST_DIALECTS) {
  describe(`key rotation [${dialect}]`, () => {
    const fresh = async () => {
      const scratch = await createScratchDatabase(dialect);
      const store = await openStore(scratch.options);
      cleanups.push(async () => {
        await store.close();
        await scratch.drop();
      });
      return store;
    };
    /** Instances A and B on hosts with the old key; step 1 of a rotation done on A's host. */
    const rotatedOnA = async () => {
      const store = await fresh();
      const old = newMasterKey();
      const [fileA, fileB] = [host([old]), host([old])];
      const [a, b] = [await instance(store, fileA), await instance(store, fileB)];
      return { store, old, fileA, fileB, a, b, next: await rotate(a, fileA, [old]) };
    };

    test('a database from before key rings keeps sealing with the key its secrets use', async () => {
      const store = await fresh();
      const old = newMasterKey();
      await instance(store, host([old]));
      await store.settings.remove('master-keys');
      // A ring whose newest key is another one: the database's key, not the newest, seals.
      const upgraded = await instance(store, host([old, newMasterKey()]));
      assert.deepEqual((await store.settings.get('master-keys'))?.value, { active: old.id, next: null });
      assert.ok((await upgraded.save('directory', bindPassword('changed-1'), EDITOR)).ok);
      assert.deepEqual(await sealedWith(store), new Set([old.id]));
    });

    test('between the steps every value stays under the old key: an instance with only the old key file reads, saves and restarts', async () => {
      const { store, old, fileA, fileB, a, b, next } = await rotatedOnA();
      const saved = await a.save('directory', bindPassword('saved-on-a'), EDITOR);
      assert.ok(saved.ok && !saved.auditFailed);
      assert.equal(a.current().directory.bindPassword, 'saved-on-a');
      assert.deepEqual(await sealedWith(store), new Set([old.id]));
      assert.equal(await b.refresh(), true);
      assert.equal(b.current().directory.bindPassword, 'saved-on-a');
      assert.ok((await b.save('directory', bindPassword('saved-on-b'), EDITOR)).ok);
      assert.equal((await instance(store, fileB)).current().directory.bindPassword, 'saved-on-b', 'B restarts on its old key file');
      await rejectsWithCode(rotate(a, fileA, [old, next]), 'LK_MASTER_KEY_ROTATION_UNDER_WAY');
    });

    test('retiring waits until every running instance holds the new key, then moves every secret at once', async () => {
      const { store, old, fileA, fileB, a, b, next } = await rotatedOnA();
      await a.reportKeys();
      await b.reportKeys();
      const refused = await rejectsWithCode(a.retireKey(), 'LK_MASTER_KEY_NOT_EVERYWHERE');
      assert.match(refused.message, new RegExp(`pid ${process.pid}, holds ${old.id}\\)`));
      assert.deepEqual(await sealedWith(store), new Set([old.id]), 'refused: nothing changed');

      copyFileSync(fileA, fileB);
      await b.reportKeys();
      const { rotated, active, retired } = await a.retireKey();
      assert.ok(rotated >= 1);
      assert.equal(active.id, next.id);
      assert.equal(retired, old.id);
      assert.deepEqual(await sealedWith(store), new Set([next.id]));
      assert.equal(await b.refresh(), true, 'the retirement reaches B as a settings change');
      assert.equal(b.current().directory.bindPassword, INITIAL.directory.bindPassword);
      // B loaded before the retirement; it seals with the key the database names now.
      assert.ok((await b.save('directory', bindPassword('after-retire'), EDITOR)).ok);
      assert.deepEqual(await sealedWith(store), new Set([next.id]));
      await rejectsWithCode(a.retireKey(), 'LK_MASTER_KEY_NO_ROTATION');
      const stale = await rejectsWithCode(instance(store, host([old])), 'LK_MASTER_KEY_MISMATCH');
      assert.match(stale.message, new RegExp(`holds key ${next.id}`));
    });

    test('an instance not heard from for a while does not hold a retirement back; a host without the new key cannot retire', async () => {
      const store = await fresh();
      const old = newMasterKey();
      const fileA = host([old]);
      const a = await instance(store, fileA);
      await instance(store, host([old]));
      const b = await instance(store, host([old]));
      await rotate(a, fileA, [old]);
      await rejectsWithCode(b.retireKey(), 'LK_MASTER_KEY_NEXT_KEY_ABSENT');
      clock += HOLDER_LIVE_MS + 1;
      await a.reportKeys();
      assert.ok((await a.retireKey()).rotated >= 1, 'the instances on the old key stopped reporting');
      clock = Date.now();
    });

    test('saves racing a retirement lose nothing, and every secret ends under the new key', async () => {
      const store = await fresh();
      const old = newMasterKey();
      const fileA = host([old]);
      const a = await instance(store, fileA);
      const next = await rotate(a, fileA, [old]);
      await a.reportKeys();
      const [, ...saves] = await Promise.all([a.retireKey(), ...['one', 'two', 'three'].map((value) => a.save('directory', bindPassword(value), EDITOR))]);
      assert.ok(saves.every((result) => result.ok));
      assert.deepEqual(await sealedWith(store), new Set([next.id]));
      const restarted = await instance(store, fileA);
      assert.ok(['one', 'two', 'three'].includes(restarted.current().directory.bindPassword));
    });

    test('retiring re-encrypts the TOTP secrets too, and each opens only under its own account name', async () => {
      const { store, fileA, fileB, a, b, next } = await rotatedOnA();
      const guid = randomUUID();
      const name = totpSecretName(guid);
      await store.totp.bind({ userGuid: guid, sealedSecret: await a.seal(name, 'JBSWY3DPEHPK3PXP'), now: now() });
      const before = (await store.totp.get(guid))!.sealedSecret;
      assert.notEqual(keyIdOf(before), next.id, 'sealed with the active (old) key until the retirement');
      copyFileSync(fileA, fileB);
      await a.reportKeys();
      await b.reportKeys();
      const { rotated } = await a.retireKey();
      assert.ok(rotated >= 2, 'the settings secrets and the TOTP secret');
      const after = (await store.totp.get(guid))!.sealedSecret;
      assert.equal(keyIdOf(after), next.id);
      assert.equal(await a.open(name, after), 'JBSWY3DPEHPK3PXP');
      const restarted = await instance(store, host([next]));
      assert.equal(await restarted.open(name, after), 'JBSWY3DPEHPK3PXP', 'an instance holding only the new key opens it');
      assert.equal(keyIdOf(await restarted.seal(name, 'x')), next.id);
      await rejectsWithCode(restarted.open(totpSecretName(randomUUID()), after), 'LK_SECRET_CORRUPT');
    });

    test('a save that committed is a success even when its audit then fails, and says so', async () => {
      const store = await fresh();
      const failingAudit: AuditRecorder = {
        record: async (entry) => {
          if (entry.action === 'settings-change') throw new Error('the audit table is unreachable');
        },
      };
      const file = host([newMasterKey()]);
      const settings = await instance(store, file, failingAudit);
      const result = await settings.save('directory', bindPassword('committed'), EDITOR);
      assert.ok(result.ok);
      assert.match(String(result.auditFailed), /unreachable/);
      assert.equal(settings.current().directory.bindPassword, 'committed', 'in force here');
      assert.equal((await instance(store, file)).current().directory.bindPassword, 'committed', 'and stored');
    });
  });
}
