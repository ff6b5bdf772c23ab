/**
 * The master keys travel with the database: a backup without them would restore secrets nobody
 * can read. These helpers read the whole key ring as configured (every key, so that a backup
 * made during a rotation opens values sealed with either), check that it opens the secrets it
 * travels with, and compare it with keys set on the restoring side, all through the key-ring
 * module so that the ring's text format is known in one place.
 */
import { masterKeyFile } from '../config/paths.ts';
import type { Config } from '../config/schema.ts';
import { type KeyRing, parseKeyRing } from '../settings/key-ring.ts';
import { loadMasterKey } from '../settings/master-key.ts';
import type { Row, TableShape } from './records.ts';

/** The table and columns where the settings keep secrets (the settings store's layout). */
const SETTINGS = { table: 'settings', key: 'key', value: 'value', secret: 'secret' } as const;

/** The configured key ring: the key file's or LATCHKEY_MASTER_KEY's, every key of it. */
export function readMasterKey(config: Config, env: NodeJS.ProcessEnv): KeyRing {
  // LK_MASTER_KEY_INVALID names the problem (missing file, wrong length).
  return loadMasterKey(masterKeyFile(config), { env }).inSource;
}

/** The key ring of `text` (a backup's record: a key file's text, or a single key from before rings). */
export function keyFromText(text: string): KeyRing {
  return parseKeyRing(text, '(the backup)');
}

/**
 * Checks that every secret among `rows` of `table` decrypts with `key`; other tables pass.
 * Throws the settings' own LK_MASTER_KEY_MISMATCH or LK_SECRET_CORRUPT, so that a backup made
 * with the wrong key is refused when it is made, not discovered when it is needed.
 */
export function checkSecrets(key: KeyRing, table: TableShape, rows: readonly Row[]): void {
  if (table.name !== SETTINGS.table) return;
  const [name, value, secret] = [SETTINGS.key, SETTINGS.value, SETTINGS.secret].map((column) => table.columns.indexOf(column)) as [number, number, number];
  for (const row of rows) {
    // The settings store keeps each value as JSON text; a secret's is the JSON of its ciphertext.
    if (row[secret] === 1) key.decrypt(String(row[name]), JSON.parse(String(row[value])) as string);
  }
}
