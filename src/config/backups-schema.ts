/**
 * The settings of scheduled backups (the `backups` section of the settings, see schema.ts): on a
 * cycle, to a folder, keeping the newest few. The password is not a setting: it is
 * LATCHKEY_BACKUP_PASSWORD in the service's environment, so the database (and every backup of
 * it) never holds the password that opens the backups.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';

export const backupsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** Hours between two backups. */
    everyHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 31)
      .default(24),
    /** Where the backups go: an absolute path every instance can write to. */
    folder: z.string().min(1).refine(isAbsolute, 'must be an absolute path (/var/backups/latchkey …)').optional(),
    /** How many of its own backups to keep in the folder; older ones are deleted. */
    keep: z.number().int().min(1).max(1000).default(7),
  })
  .refine((backups) => !backups.enabled || backups.folder, { message: 'is needed when scheduled backups are enabled', path: ['folder'] })
  .prefault({});
