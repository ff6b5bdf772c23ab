/**
 * The store's coded errors. Messages are written for the administrator, who is the one who can
 * fix a database setting, start a server or restore a backup.
 */
import { createError } from '../errors.ts';

export const StoreConfigInvalid = createError<{ reason: string }>(
  'LK_STORE_CONFIG',
  (d) => `The database setting is not usable: ${d.reason}. Set DATABASE_URL to a postgres:// URL for PostgreSQL, or leave it empty to use the SQLite file.`,
  500,
);

export const StoreUnavailable = createError<{ database: string; reason: string }>(
  'LK_STORE_UNAVAILABLE',
  (d) =>
    `The database ${d.database} cannot be opened (${d.reason}). An administrator should check that it is running ` +
    'and reachable, and that Latchkey may connect to it (or, for SQLite, write to the file and its folder).',
  503,
);

export const StoreMigrationFailed = createError<{ database: string; migration: string | null; reason: string }>(
  'LK_STORE_MIGRATION_FAILED',
  (d) =>
    `Updating the database ${d.database} to this version of Latchkey failed` +
    `${d.migration ? ` in migration ${d.migration}` : ''}: ${d.reason}. The failed step was not applied. ` +
    'An administrator should fix the cause (or restore a backup made by the same Latchkey version) and start Latchkey again.',
  500,
);

export const StoreValueNotJson = createError<{ what: string; reason: string }>(
  'LK_STORE_VALUE_NOT_JSON',
  (d) => `The ${d.what} cannot be saved because it is not representable as JSON (${d.reason}).`,
  500,
);

export const StoreValueCorrupt = createError<{ what: string }>(
  'LK_STORE_VALUE_CORRUPT',
  (d) =>
    `The stored ${d.what} is not valid JSON, so it was probably edited outside Latchkey. ` +
    'An administrator should set it again, or restore it from a backup.',
  500,
);

/** The words of an error for a message: its own, or those of each attempt it aggregates. */
export function reasonOf(error: unknown): string {
  // Node reports a refused connection to a name with several addresses as an AggregateError
  // with an empty message; the per-address errors carry the words.
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(reasonOf).join('; ');
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name;
  return String(error);
}
