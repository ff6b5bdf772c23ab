/**
 * Loads the configuration: a YAML file, then environment variables on top, validated against
 * the schema. Environment names follow the setting's path: `LATCHKEY_DIRECTORY__BIND_PASSWORD`
 * sets directory.bindPassword (`__` between levels, `_` between words); `DATABASE_URL` sets
 * database.url; the variables of NON_SETTING_VARIABLES are not settings. Every relative path,
 * defaults included, is taken from the config file's folder (the working directory when there
 * is no file), so that the service and a command run from elsewhere use the same files.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { createError } from '../errors.ts';
import { type Config, configSchema, RUNTIME_SECTIONS, runtimeSchema } from './schema.ts';

export const ConfigInvalid = createError<{ source: string; problems: string[] }>(
  'LK_CONFIG_INVALID',
  (d) => `The configuration (${d.source}) has problems; fix them and start again:\n${d.problems.map((p) => `  - ${p}`).join('\n')}`,
  500,
);

const ENV_PREFIX = 'LATCHKEY_';

/** The LATCHKEY_ variables that are not settings, and what each is for; any other must name a setting. */
export const NON_SETTING_VARIABLES: Readonly<Record<string, string>> = {
  LATCHKEY_CONFIG: 'the config file, when --config is not given',
  LATCHKEY_MASTER_KEY: 'the master key (32 bytes, hex or base64) instead of the key file',
  LATCHKEY_BACKUP_PASSWORD: 'the password of backup and restore, instead of asking for it; of scheduled backups, in the service environment',
  LATCHKEY_PFX_PASSWORD: 'the password of certificate export and import, instead of asking for it',
  LATCHKEY_DEV_AD_DIR: 'the dev domain of scripts/dev-ad (demo and tests)',
};

/** Settings that name files or folders, resolved against the config file's folder. */
const PATH_SETTINGS = [
  ['dataDir'],
  ['masterKeyFile'],
  ['breachedIndexFile'],
  ['directory', 'caFile'],
  ['smtp', 'caFile'],
  ['ui', 'overridesDir'],
  ['server', 'tls', 'certFile'],
  ['server', 'tls', 'keyFile'],
  ['server', 'tls', 'pfxFile'],
];

export interface LoadOptions {
  /** The YAML file; LATCHKEY_CONFIG names it when this is not given. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Settings applied under the file and the environment (the demo's, for instance). */
  base?: Record<string, unknown>;
  /**
   * Whether this run may import the file's settings into the database (the first start; the
   * default): the directory section, when given, must then be complete. Commands that never
   * import, or a start on a database that holds the settings, pass false.
   */
  importsSettings?: boolean;
  /** Where relative paths are taken from without a file (default: the working directory). */
  cwd?: string;
}

/** Reads, merges and validates the configuration, or throws LK_CONFIG_INVALID naming each problem. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.LATCHKEY_CONFIG;
  const source = file ? resolve(file) : 'environment';
  const problems: string[] = [];
  const merged = structuredClone(options.base ?? {});
  if (file) deepMerge(merged, readConfigFile(source, problems));
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || Object.hasOwn(NON_SETTING_VARIABLES, name)) continue;
    if (name === 'DATABASE_URL') setPath(merged, ['database', 'url'], value);
    else if (name.startsWith(ENV_PREFIX)) applyEnv(merged, name, value, problems);
  }
  if (problems.length) throw ConfigInvalid({ source, problems });
  const result = configSchema.safeParse(merged);
  if (!result.success) problems.push(...result.error.issues.map(describeIssue));
  if (options.importsSettings !== false && merged.directory !== undefined) problems.push(...firstStartProblems(merged.directory, problems));
  if (problems.length || !result.success) throw ConfigInvalid({ source, problems });
  const config = result.data as Config & Record<string, unknown>;
  resolvePaths(config, file ? dirname(source) : resolve(options.cwd ?? process.cwd()));
  return { ...config, givenSettings: runtimeLeaves(merged) };
}

/**
 * What the first start's import needs of the directory section beyond what the file must hold
 * anyway (the account and its password): named as required, and why.
 */
function firstStartProblems(directory: unknown, known: string[]): string[] {
  const parsed = runtimeSchema.shape.directory.safeParse(directory);
  if (parsed.success) return [];
  return parsed.error.issues
    .map((issue) => describeIssue({ ...issue, path: ['directory', ...issue.path] }))
    .filter((problem) => !known.includes(problem))
    .map((problem) => `${problem} (the first start imports the directory section into the database)`);
}

/**
 * The leaf paths of the database-kept settings in `given` (a list is one leaf), for comparing
 * the file with the database.
 */
function runtimeLeaves(given: Record<string, unknown>): string[][] {
  const out: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    // An empty section names no setting.
    if (isRecord(value)) for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key]);
    else out.push(path);
  };
  for (const section of RUNTIME_SECTIONS) if (given[section] !== undefined) walk(given[section], [section]);
  return out;
}

function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    return {};
  }
  try {
    const parsed: unknown = parseYaml(text) ?? {};
    if (isRecord(parsed)) return parsed;
    problems.push('the file must hold settings (key: value), not a list or a single value');
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    problems.push(`the file is not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`);
  }
  return {};
}

/** Sets the setting an environment variable names, typed as the schema wants it. */
function applyEnv(target: Record<string, unknown>, name: string, raw: string, problems: string[]): void {
  const path = name
    .slice(ENV_PREFIX.length)
    .split('__')
    .map((part) => part.toLowerCase().replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()));
  const kind = schemaKindAt(path);
  if (kind === undefined) {
    problems.push(`${name}: no setting ${path.join('.')} exists`);
    return;
  }
  const value = coerce(raw, kind);
  if (value === undefined) problems.push(`${name}: expected ${kind}, got ${JSON.stringify(raw)}`);
  else setPath(target, path, value);
}

type Kind = 'string' | 'number' | 'boolean' | 'list' | 'object';

function coerce(raw: string, kind: Kind): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : undefined;
    case 'boolean':
      return /^(true|1|yes|on)$/i.test(raw.trim()) ? true : /^(false|0|no|off)$/i.test(raw.trim()) ? false : undefined;
    case 'list':
      // A JSON array, or comma-separated values.
      if (raw.trim().startsWith('[')) return parseJson(raw, Array.isArray);
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    case 'object':
      return parseJson(raw, isRecord);
  }
}

function parseJson(raw: string, accept: (value: unknown) => boolean): unknown {
  try {
    const value: unknown = JSON.parse(raw);
    return accept(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** What kind of value the schema expects at `path`, or undefined when no such setting exists. */
function schemaKindAt(path: string[]): Kind | undefined {
  let schema: z.core.$ZodType = configSchema;
  for (const key of path) {
    schema = unwrap(schema);
    const def = schema._zod.def;
    if (def.type === 'object') {
      const shape = (def as z.core.$ZodObjectDef).shape;
      const next = shape[key];
      if (!next) return undefined;
      schema = next;
    } else if (def.type === 'union') {
      // A discriminated union (sms): any option that has the key decides its kind.
      const options = (def as z.core.$ZodUnionDef).options.map(unwrap);
      const holder = options.find((option) => (option._zod.def as z.core.$ZodObjectDef).shape?.[key]);
      if (!holder) return undefined;
      schema = (holder._zod.def as z.core.$ZodObjectDef).shape[key]!;
    } else if (def.type === 'record') {
      schema = (def as z.core.$ZodRecordDef).valueType;
    } else {
      return undefined;
    }
  }
  const type = unwrap(schema)._zod.def.type;
  if (type === 'number' || type === 'boolean' || type === 'object') return type;
  if (type === 'array') return 'list';
  return type === 'union' || type === 'record' ? 'object' : 'string';
}

/** Looks through optional/default/prefault/pipe wrappers to the value's own schema. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** Makes every path setting absolute, taken from `base`. */
function resolvePaths(config: Record<string, unknown>, base: string): void {
  for (const path of PATH_SETTINGS) {
    const value = getPath(config, path);
    if (typeof value === 'string' && !isAbsolute(value)) setPath(config, path, resolve(base, value));
  }
}

/** A schema problem in the words of the configuration: the setting's path, then what is wrong. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
  if (issue.code === 'unrecognized_keys') {
    const where = path ? `${path}: ` : '';
    return `${where}unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} (a typo?)`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${path}: is required`;
  return `${path || '(top level)'}: ${issue.message}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function getPath(target: Record<string, unknown>, path: string[]): unknown {
  let current: unknown = target;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return current;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let current = target;
  for (const key of path.slice(0, -1)) {
    if (!isRecord(current[key])) current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
  current[path.at(-1)!] = value;
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isRecord(existing) && isRecord(value)) deepMerge(existing, value);
    else target[key] = value;
  }
}
