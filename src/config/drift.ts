/**
 * After the first start the database's settings are in force and the config file's values of
 * them are ignored. This names the ones the file (or environment) sets differently, so that an
 * edit to the file is not lost in silence; a secret is named, its values never shown.
 */
import { SECRET_FIELDS } from '../settings/service.ts';
import type { Config, RuntimeSection, RuntimeSettings } from './schema.ts';

/** One setting the file gives a value the database does not hold. */
export interface SettingDrift {
  /** The setting's path, e.g. directory.urls. */
  path: string;
  /** "file: …; database: …", or that a secret differs. */
  difference: string;
}

/** The settings of `config.givenSettings` whose value differs from `stored`'s. */
export function settingsDrift(config: Config, stored: RuntimeSettings): SettingDrift[] {
  const drift: SettingDrift[] = [];
  for (const path of config.givenSettings ?? []) {
    const inFile = valueAt(config, path);
    const inDatabase = valueAt(stored, path);
    if (JSON.stringify(inFile) === JSON.stringify(inDatabase)) continue;
    const [section, field] = path as [RuntimeSection, string];
    const secret = (SECRET_FIELDS[section] ?? []).includes(field);
    drift.push({
      path: path.join('.'),
      difference: secret ? 'a secret: the values differ (not shown)' : `file: ${show(inFile)}; database: ${show(inDatabase)}`,
    });
  }
  return drift;
}

/** One line per drifted setting, for the start-up log and the doctor. */
export function describeDrift(drift: SettingDrift[]): string[] {
  return drift.map((item) => `${item.path}: ${item.difference}`);
}

function show(value: unknown): string {
  return value === undefined ? '(not set)' : JSON.stringify(value);
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const key of path) current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}
