/** The master key against the stored secrets, and the settings the later checks run with. */

import { existsSync } from 'node:fs';
import { createAuditRecorder } from '../../audit/recorder.ts';
import { describeDrift, settingsDrift } from '../../config/drift.ts';
import { initialSettings } from '../../config/initial-settings.ts';
import { ConfigInvalid, describeIssue } from '../../config/load.ts';
import { masterKeyFile } from '../../config/paths.ts';
import { type Config, type RuntimeSettings, runtimeSchema } from '../../config/schema.ts';
import { ADMIN_GROUP_KEY, pinnedAdminSid } from '../../settings/admin-group.ts';
import { loadMasterKey, type MasterKeys } from '../../settings/master-key.ts';
import { SettingsService } from '../../settings/service.ts';
import { createSettings } from '../../store/settings.ts';
import { type ExistingDatabase, holdsSettings } from '../existing-database.ts';
import { failure, type Report, result } from './report.ts';

/** The settings the checks run with, and where an administrator changes them. */
export interface LoadedSettings {
  settings: RuntimeSettings;
  from: 'database' | 'config file';
  /** The SID an earlier start pinned `admin.group` to, if any. */
  adminGroupSid?: string;
}

/**
 * The master key decrypts every stored secret, and the settings the rest of the checks
 * use (the database's, or the config file's when the database holds none yet). Reads only: a
 * database without settings is not imported into, a missing key file is not created.
 */
export async function loadSettings(
  config: Config,
  database: ExistingDatabase | null,
  env: NodeJS.ProcessEnv,
  now: () => number,
  report: Report,
): Promise<LoadedSettings | null> {
  const file = masterKeyFile(config);
  const source = env.LATCHKEY_MASTER_KEY ? 'LATCHKEY_MASTER_KEY' : file;
  const rows = database ? await database.settingRows() : [];
  const secrets = rows.filter((row) => row.secret);
  const inDatabase = holdsSettings(rows);
  let key: MasterKeys | null = null;
  if (secrets.length === 0 && !env.LATCHKEY_MASTER_KEY && !existsSync(file)) {
    report(
      result('WARN', 'master-key', `no master key yet (${source})`, [
        'the database holds no secret yet: the first start creates the key; back it up apart from the database',
      ]),
    );
  } else {
    try {
      key = loadMasterKey(file, { env });
      for (const row of secrets) key.decrypt(row.key, row.value as string);
    } catch (error) {
      report(
        failure('master-key', error, [
          `fix: start with the key that belongs to this database: restore ${file} from the backup made with it, or set LATCHKEY_MASTER_KEY to it`,
        ]),
      );
      return null;
    }
    const decrypts = secrets.length ? `decrypts all ${secrets.length} stored secrets` : 'present; the database holds no secret yet';
    report(result('PASS', 'master-key', `${source} (key ${key.id}) ${decrypts}`));
  }
  try {
    if (database && inDatabase && key) {
      const settings = await new SettingsService(createSettings(database.db), key, createAuditRecorder(database.audit, 'admin', now), now).load();
      const drift = describeDrift(settingsDrift(config, settings));
      if (drift.length) {
        report(
          result('WARN', 'settings', `read from the database; ${drift.length} setting(s) in the config file differ and are ignored`, [
            ...drift,
            "fix: change them in the admin console (the database's are in force since the first start), or remove them from the file",
          ]),
        );
      } else {
        report(result('PASS', 'settings', 'read from the database (the admin console edits them)'));
      }
      const adminGroupSid = pinnedAdminSid(rows.find((row) => row.key === ADMIN_GROUP_KEY)?.value, config.admin.group);
      return { settings, from: 'database', ...(adminGroupSid ? { adminGroupSid } : {}) };
    }
    const parsed = runtimeSchema.safeParse(initialSettings(config));
    if (!parsed.success)
      throw ConfigInvalid({ source: 'the settings the first start imports from the config file', problems: parsed.error.issues.map(describeIssue) });
    report(result('PASS', 'settings', 'read from the config file (the database holds none yet; the first start imports them)'));
    return { settings: parsed.data, from: 'config file' };
  } catch (error) {
    report(failure('settings', error));
    return null;
  }
}

/** Where an administrator changes a directory setting, given where the settings live. */
export function settingPlace(loaded: LoadedSettings, field: string): string {
  return loaded.from === 'database'
    ? `"${field}" in the admin console's directory settings`
    : `directory.${field} (config file, or LATCHKEY_DIRECTORY__${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()})`;
}
