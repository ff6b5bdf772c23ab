/**
 * Scheduled backups on a real portal (SQLite, the dev domain) with the jobs' clock moved by hand:
 * a run writes a backup that restores, once per cycle across instances; the retention deletes
 * its own oldest files and nothing else; a failure is audited and shown on the dashboard, as is
 * a last backup older than the cycle.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type App, createApp } from '../app.ts';
import { runRestore, verifyBackup } from '../cli/backup.ts';
import { dashboard } from '../flows/admin/dashboard.ts';
import { cleanups, configFor, folder, PASSWORD } from '../testing/backup-fixture.ts';
import { runScheduledBackup, scheduledBackupName } from './scheduled-backup.ts';

const HOUR_MS = 3_600_000;
const EDITOR = { sam: 'test', guid: null, ip: '-' };

/** A portal with scheduled backups to `backups.folder`, on a clock the test moves. */
async function portal(backups: { folder: string; keep?: number; everyHours?: number }, env: NodeJS.ProcessEnv = { LATCHKEY_BACKUP_PASSWORD: PASSWORD }) {
  const clock = { now: Date.parse('2026-06-01T02:00:00Z') };
  const config = configFor(folder('scheduled'));
  const app = await createApp(config, { logger: false, env, now: () => clock.now });
  cleanups.push(() => app.close());
  const saved = await app.admin.settings.save('backups', { enabled: true, everyHours: 24, keep: 7, ...backups }, EDITOR);
  assert.equal(saved.ok, true, JSON.stringify(saved));
  return { app, clock, config, env };
}

const runs = async (app: App) => app.store.audit.query({ action: 'scheduled-backup' });
const backupHealth = async (app: App) => (await dashboard(app.admin, 7)).health.find((item) => item.name === 'scheduled backups');

test('a run writes a backup that restores; the next comes a cycle later (the jobs’ lock in the database)', async () => {
  const target = folder('backups');
  const { app, clock } = await portal({ folder: target });
  const first = await app.jobs.scheduledBackup();
  assert.ok(first && 'bytes' in first, JSON.stringify(first));
  assert.equal(first.file, join(target, scheduledBackupName(clock.now)));
  assert.deepEqual(await verifyBackup(first.file, PASSWORD).then((summary) => summary.files), []);
  const restored = configFor(join(folder('restored'), 'data'));
  const { tables } = await runRestore(restored, { file: first.file, password: PASSWORD, env: {} });
  assert.ok(tables.audit_events! > 0, 'the restored database holds the audit trail');

  clock.now += HOUR_MS;
  assert.equal(await app.jobs.scheduledBackup(), null, 'within the cycle nothing runs again');
  clock.now += 24 * HOUR_MS;
  assert.ok(await app.jobs.scheduledBackup());
  assert.equal(readdirSync(target).length, 2);
  const audited = await runs(app);
  assert.deepEqual(
    audited.map((entry) => entry.outcome),
    ['success', 'success'],
  );
  assert.match(audited[1]!.detail!, /^latchkey-scheduled-20260601T020000Z\.lkbackup: \d+ bytes$/);
  assert.doesNotMatch(JSON.stringify(audited), new RegExp(PASSWORD));
  assert.equal((await backupHealth(app))?.state, 'ok');
});

test('the retention deletes its oldest files beyond keep and leaves every other file alone', async () => {
  const target = folder('backups');
  const { app, clock } = await portal({ folder: target, keep: 2 });
  const older = [3, 2, 1].map((days) => scheduledBackupName(clock.now - days * 24 * HOUR_MS));
  const foreign = ['notes.txt', 'latchkey-scheduled-manual.lkbackup', 'latchkey.lkbackup', `${older[0]}.keep`];
  for (const name of [...older, ...foreign]) writeFileSync(join(target, name), 'not ours to judge');
  const result = await app.jobs.scheduledBackup();
  assert.ok(result && 'removed' in result, JSON.stringify(result));
  assert.deepEqual(result.removed, [older[0], older[1]]);
  assert.deepEqual(readdirSync(target).sort(), [...foreign, older[2]!, scheduledBackupName(clock.now)].sort());
});

test('a failed run (folder not writable, or no password) is audited and the dashboard says so', async () => {
  const missing = join(folder('backups'), 'not-there');
  const { app } = await portal({ folder: missing });
  const result = await app.jobs.scheduledBackup();
  assert.ok(result && 'error' in result);
  assert.equal((result.error as { code?: string }).code, 'LK_BACKUP_FILE');
  const [failed] = await runs(app);
  assert.equal(failed?.outcome, 'failure');
  assert.match(failed?.detail ?? '', /^latchkey-scheduled-\d{8}T\d{6}Z\.lkbackup: .*LK_BACKUP_FILE/);
  assert.equal(existsSync(missing), false);
  const health = await backupHealth(app);
  assert.equal(health?.state, 'fail');
  assert.match(health?.detail ?? '', /failed .*LK_BACKUP_FILE/);

  const { app: without } = await portal({ folder: folder('backups') }, {});
  const refused = await without.jobs.scheduledBackup();
  assert.equal(refused && 'error' in refused && (refused.error as { code?: string }).code, 'LK_BACKUP_SCHEDULE_PASSWORD');
  assert.equal((await runs(without))[0]?.outcome, 'failure');
});

test('the dashboard warns when the last backup is older than the cycle, and when none was made', async () => {
  const { app, clock } = await portal({ folder: folder('backups'), everyHours: 6 });
  assert.equal((await backupHealth(app))?.state, 'warn', 'enabled, but none made yet');
  await app.jobs.scheduledBackup();
  clock.now += 6 * HOUR_MS;
  assert.equal((await backupHealth(app))?.state, 'ok', 'the next one is due within the hour the jobs are tried in');
  clock.now += 2 * HOUR_MS;
  const stale = await backupHealth(app);
  assert.equal(stale?.state, 'warn');
  assert.match(stale?.detail ?? '', /older than the cycle of 6 h/);
});

test('the settings: a folder is needed when enabled, and it must be absolute', async () => {
  const { app } = await portal({ folder: folder('backups') });
  const refused = await app.admin.settings.save('backups', { enabled: true, everyHours: 24, keep: 7 }, EDITOR);
  assert.equal(refused.ok, false);
  const relative = await app.admin.settings.save('backups', { enabled: true, everyHours: 24, keep: 7, folder: 'backups' }, EDITOR);
  assert.equal(relative.ok, false);
  assert.equal(app.admin.settings.current().backups.enabled, true);
});

test('two instances on one database: one of them writes the cycle’s backup', async () => {
  const target = folder('backups');
  const { app, clock, config, env } = await portal({ folder: target });
  const other = await createApp(config, { logger: false, env, now: () => clock.now });
  cleanups.push(() => other.close());
  const results = await Promise.all([app.jobs.scheduledBackup(), other.jobs.scheduledBackup()]);
  assert.equal(results.filter(Boolean).length, 1);
  assert.equal(readdirSync(target).length, 1);
  assert.equal((await runs(app)).length, 1);
});

test('a long run says in the log that it is still running, and the log never holds the password', async () => {
  const target = folder('backups');
  const { app, clock, config, env } = await portal({ folder: target });
  const lines: { level: string; details: object; message: string }[] = [];
  const record = (level: string) => (details: object, message: string) => lines.push({ level, details, message });
  const log = { info: record('info'), warn: record('warn'), error: record('error') };
  const backups = app.admin.settings.current().backups;
  const result = await runScheduledBackup({ config, backups, env, adminAudit: app.adminAudit, log, now: () => clock.now, progressEveryMs: 1 });
  assert.ok('bytes' in result);
  assert.ok(lines.some((line) => line.message === 'scheduled backup still running'));
  assert.equal(lines.at(-1)?.message, 'scheduled backup written');
  assert.doesNotMatch(JSON.stringify(lines), new RegExp(PASSWORD));
});
