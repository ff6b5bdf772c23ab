import { type Config, RUNTIME_SECTIONS } from './schema.ts';

/** The config file's values of the database-kept settings: the initial ones. */
export function initialSettings(config: Config): Record<string, unknown> {
  return Object.fromEntries(RUNTIME_SECTIONS.map((section) => [section, config[section]]).filter(([, value]) => value !== undefined));
}
