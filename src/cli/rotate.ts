/**
 * `latchkey rotate-master-key`: every secret in the database re-encrypted under a new master
 * key, in one transaction. With a key file, the new key is written beside the old one first and
 * takes its place only once the database holds the new ciphertexts; nothing is half-done.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { databaseOptions, masterKeyFile } from '../app.ts';
import { createAuditRecorder } from '../audit/recorder.ts';
import type { Config } from '../config/schema.ts';
import { loadMasterKey, masterKey, newKeyBytes, writeKeyFile } from '../settings/master-key.ts';
import { SettingsService } from '../settings/service.ts';
import { openStore } from '../store/store.ts';

export async function rotateMasterKey(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<{ rotated: number; printedKey: string | null }> {
  const store = await openStore(databaseOptions(config));
  try {
    const file = masterKeyFile(config);
    const current = loadMasterKey(file, { env });
    const audit = createAuditRecorder(store.audit, 'admin', () => Date.now());
    const settings = new SettingsService(store.db, current, audit, () => Date.now());
    // Every secret must decrypt with the current key before anything is written.
    await settings.load();
    const bytes = newKeyBytes();
    const fromEnv = Boolean(env.LATCHKEY_MASTER_KEY);
    const staged = `${file}.new`;
    if (!fromEnv) writeKeyFile(staged, bytes);
    let rotated: number;
    try {
      rotated = await settings.rotate(masterKey(bytes));
    } catch (error) {
      if (existsSync(staged)) rmSync(staged);
      throw error;
    }
    if (!fromEnv) renameSync(staged, file);
    await audit.record({ actor: 'latchkey (cli)', action: 'key-rotation', outcome: 'success', sourceIp: '-', detail: `${rotated} secrets re-encrypted; new key ${masterKey(bytes).id}` });
    return { rotated, printedKey: fromEnv ? bytes.toString('base64') : null };
  } finally {
    await store.close();
  }
}
