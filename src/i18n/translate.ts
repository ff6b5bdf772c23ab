/**
 * User-facing text: one resource file per language (English first), any string of which an
 * admin can override from the overrides folder without touching the code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createError } from '../errors.ts';
import { LANGUAGES, type Language } from './languages.ts';

/** User-facing text from the resource file (overridable by the admin). */
export type Translate = (key: string, params?: Record<string, string | number>) => string;

export const StringsInvalid = createError<{ file: string; reason: string }>(
  'LK_STRINGS_INVALID',
  (d) => `The resource strings in ${d.file} cannot be used (${d.reason}). Fix the file or remove it.`,
  500,
);

const BUILT_IN = join(dirname(fileURLToPath(import.meta.url)), 'strings');

function readStrings(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw StringsInvalid({ file, reason: (error as Error).message });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw StringsInvalid({ file, reason: 'not a JSON object' });
  const bad = Object.entries(parsed).find(([, value]) => typeof value !== 'string');
  if (bad) throw StringsInvalid({ file, reason: `the value of ${bad[0]} is not text` });
  return parsed as Record<string, string>;
}

/**
 * The strings for `language`: English, then the built-in language file, then the admin's
 * overrides (`<overridesDir>/strings/<language>.json`), each filling or replacing keys.
 * Returns the keys an override names that do not exist (probably typos) for a warning.
 */
export function loadStrings(language: string, overridesDir?: string): { strings: Record<string, string>; unknownOverrides: string[] } {
  const strings = readStrings(join(BUILT_IN, 'en.json'));
  const builtIn = join(BUILT_IN, `${language}.json`);
  if (language !== 'en' && existsSync(builtIn)) Object.assign(strings, readStrings(builtIn));
  const unknownOverrides: string[] = [];
  const override = overridesDir && join(overridesDir, 'strings', `${language}.json`);
  if (override && existsSync(override)) {
    for (const [key, value] of Object.entries(readStrings(override))) {
      if (!(key in strings)) unknownOverrides.push(key);
      strings[key] = value;
    }
  }
  return { strings, unknownOverrides };
}

/** The strings of every supported language. */
export type LanguageStrings = Readonly<Record<Language, Record<string, string>>>;

/** `loadStrings` for every supported language; an unknown override is named as `<language>:<key>`. */
export function loadLanguages(overridesDir?: string): { strings: LanguageStrings; unknownOverrides: string[] } {
  const strings = {} as Record<Language, Record<string, string>>;
  const unknownOverrides: string[] = [];
  for (const language of LANGUAGES) {
    const loaded = loadStrings(language, overridesDir);
    strings[language] = loaded.strings;
    unknownOverrides.push(...loaded.unknownOverrides.map((key) => `${language}:${key}`));
  }
  return { strings, unknownOverrides };
}

/** Looks up a string and fills its {placeholders}; an unknown key shows as itself. */
export function translator(strings: Record<string, string>): Translate {
  return (key, params = {}) => (strings[key] ?? key).replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
