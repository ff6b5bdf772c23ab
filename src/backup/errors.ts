/**
 * The coded errors of `latchkey backup` and `latchkey restore`. Each says what was refused and
 * what to do; every refusal happens before anything is written, so each also says that nothing
 * changed where that is what the admin will wonder about.
 */
import { createError } from '../errors.ts';

/** The file is not a Latchkey backup at all, or one of a format this version cannot read. */
export const BackupFormat = createError<{ file: string; reason: string }>(
  'LK_BACKUP_FORMAT',
  (d) => `${d.file} is not a Latchkey backup this version can read (${d.reason}). Nothing was changed.`,
  400,
);

/** The password does not open the file (the header itself is intact). */
export const BackupPassword = createError<{ file: string }>(
  'LK_BACKUP_PASSWORD',
  (d) => `The password does not open the backup ${d.file}. Type the password given when the backup was made. Nothing was changed.`,
  400,
);

/** The file was cut short, altered or damaged: some part fails its authentication. */
export const BackupDamaged = createError<{ file: string; reason: string }>(
  'LK_BACKUP_DAMAGED',
  (d) => `The backup ${d.file} is damaged or was altered (${d.reason}); it cannot be restored. Use another copy. Nothing was changed.`,
  400,
);

/** The backup file cannot be read or written at all (missing, no permission, disk full). */
export const BackupFileError = createError<{ file: string; reason: string }>(
  'LK_BACKUP_FILE',
  (d) => `The backup file ${d.file} cannot be used: ${d.reason}.`,
  500,
);

/** The password chosen for a new backup is too easy to guess for a file that holds the master key. */
export const BackupPasswordWeak = createError<{ minimum: number }>(
  'LK_BACKUP_PASSWORD_WEAK',
  (d) => `A backup holds the master key, so its password must have at least ${d.minimum} characters. Choose a longer one.`,
  400,
);

/** There is nothing to back up where the configuration points. */
export const BackupSourceMissing = createError<{ database: string }>(
  'LK_BACKUP_NO_DATABASE',
  (d) => `There is no Latchkey database at ${d.database}. Check dataDir and DATABASE_URL in the configuration.`,
  500,
);

/** The backup's schema has migrations this version of Latchkey does not know: it was made by a newer one. */
export const BackupTooNew = createError<{ file: string; unknown: string[] }>(
  'LK_BACKUP_TOO_NEW',
  (d) =>
    `The backup ${d.file} was made by a newer Latchkey (schema steps ${d.unknown.join(', ')} are unknown here). Restore it with that version or a later one. Nothing was changed.`,
  400,
);

/** The target already holds data that a restore would overwrite or mix with. */
export const RestoreNotEmpty = createError<{ target: string; found: string[] }>(
  'LK_RESTORE_NOT_EMPTY',
  (d) =>
    `A restore goes only onto an empty data folder and an empty database, and ${d.target} already holds: ${d.found.join(', ')}. ` +
    'Point dataDir (and DATABASE_URL) at a new, empty place, or move these away first. Nothing was changed.',
  409,
);

/** LATCHKEY_MASTER_KEY is set on the target, to a key other than the backup's. */
export const RestoreKeyMismatch = createError<{ backupKeyId: string }>(
  'LK_RESTORE_KEY_MISMATCH',
  (d) =>
    `LATCHKEY_MASTER_KEY is set, but not to the master key of this backup (${d.backupKeyId}); the restored secrets could not be read with it. ` +
    "Unset it (the key file is then restored) or set it to the backup's key. Nothing was changed.",
  409,
);
