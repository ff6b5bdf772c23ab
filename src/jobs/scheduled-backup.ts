/**
 * Scheduled backups: `latchkey backup` on the cycle of the `backups` settings, into their
 * folder, keeping the newest `keep` of its own files (named latchkey-scheduled-<UTC time>.lkbackup;
 * any other file in the folder is left alone). Each run is audited, success or failure with the
 * file's name; the dashboard reads the last one from the audit trail. The password is
 * LATCHKEY_BACKUP_PASSWORD in the service's environment (see src/config/backups-schema.ts).
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AuditRecorder } from '../audit/recorder.ts';
import { runBackup } from '../cli/backup.ts';
import type { Config, RuntimeSettings } from '../config/schema.ts';
import { createError, LatchkeyError } from '../errors.ts';
import type { Log } from '../log.ts';

export const ScheduledBackupPassword = createError(
  'LK_BACKUP_SCHEDULE_PASSWORD',
  "Scheduled backups are on, but LATCHKEY_BACKUP_PASSWORD is not set in the service's environment. Set it (12 characters or more) and restart the service.",
  500,
);

/** The names of the files scheduled backups make: only these are ever deleted by the retention. */
const OWN_FILE = /^latchkey-scheduled-\d{8}T\d{6}Z\.lkbackup$/;
/** How often a running backup says in the log that it still runs. */
const PROGRESS_MS = 30_000;

/** The file name of a scheduled backup made at `at`: its UTC time, so that names sort by age. */
export function scheduledBackupName(at: number): string {
  return `latchkey-scheduled-${new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}.lkbackup`;
}

/** Deletes the scheduled backups in `folder` beyond the newest `keep`; returns the names deleted. */
export async function pruneBackups(folder: string, keep: number): Promise<string[]> {
  const own = (await readdir(folder)).filter((name) => OWN_FILE.test(name)).sort();
  const old = own.slice(0, Math.max(own.length - keep, 0));
  for (const name of old) await rm(join(folder, name), { force: true });
  return old;
}

export interface ScheduledBackupDependencies {
  config: Config;
  backups: RuntimeSettings['backups'];
  env: NodeJS.ProcessEnv;
  adminAudit: AuditRecorder;
  /** Progress and results go to the log at info level, failures at error. */
  log: Log & { info(details: object, message: string): void };
  now: () => number;
  /** How often a running backup logs a progress line (default 30 s). */
  progressEveryMs?: number;
}

export type ScheduledBackupResult = { file: string; bytes: number; removed: string[] } | { file: string; error: LatchkeyError | Error };

/** One scheduled backup and its retention, audited and logged; a failure is returned, not thrown. */
export async function runScheduledBackup({
  config,
  backups,
  env,
  adminAudit,
  log,
  now,
  progressEveryMs = PROGRESS_MS,
}: ScheduledBackupDependencies): Promise<ScheduledBackupResult> {
  const file = join(backups.folder!, scheduledBackupName(now()));
  const started = Date.now();
  const progress = setInterval(() => log.info({ file, seconds: Math.round((Date.now() - started) / 1000) }, 'scheduled backup still running'), progressEveryMs);
  progress.unref();
  const audit = (outcome: 'success' | 'failure', detail: string) =>
    adminAudit.record({ actor: 'latchkey', action: 'scheduled-backup', outcome, sourceIp: '-', detail: `${basename(file)}: ${detail}` });
  try {
    const password = env.LATCHKEY_BACKUP_PASSWORD;
    if (!password) throw ScheduledBackupPassword({});
    const { bytes } = await runBackup(config, { file, password, env });
    const removed = await pruneBackups(backups.folder!, backups.keep);
    await audit('success', `${bytes} bytes${removed.length ? `; older ones deleted: ${removed.join(', ')}` : ''}`);
    log.info({ file, bytes, removed, seconds: Math.round((Date.now() - started) / 1000) }, 'scheduled backup written');
    return { file, bytes, removed };
  } catch (error) {
    const reason = error instanceof LatchkeyError ? `${error.message} [${error.code}]` : (error as Error).message;
    await audit('failure', reason);
    log.error({ err: error, file }, 'scheduled backup failed');
    return { file, error: error as Error };
  } finally {
    clearInterval(progress);
  }
}
