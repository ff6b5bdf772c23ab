/**
 * The admin console's settings forms, made from the settings schema: each leaf setting becomes a
 * field of a kind (text, number, switch, choice, list, YAML, secret), and a submitted form turns
 * back into the section's values. Secrets are write-only: never rendered, empty keeps them.
 */
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { z } from 'zod';
import { type RuntimeSection, runtimeSchema } from '../../config/schema.ts';
import type { FieldError } from '../../field-errors.ts';
import { SECRET_FIELDS } from '../../settings/service.ts';

export type FieldKind = 'text' | 'multiline' | 'number' | 'boolean' | 'choice' | 'list' | 'yaml' | 'secret';

/** Text settings that span lines (a pasted certificate, a request body template). */
const MULTILINE: Partial<Record<RuntimeSection, readonly string[]>> = { directory: ['caPem'], sms: ['body'] };

export interface SettingField {
  /** Path inside the section: `perIp.max`. */
  path: string;
  kind: FieldKind;
  /** The current value as the form shows it (never for secrets). */
  value: string;
  /** For a choice: the allowed values. */
  options?: string[];
  /** For a secret: whether one is stored. */
  isSet?: boolean;
  /** For fields of one variant of a union (sms): the variant that shows them. */
  variant?: string;
}

type Schema = z.core.$ZodType;
type Def = {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  options?: Schema[];
  entries?: Record<string, string>;
  element?: Schema;
  values?: unknown[];
};

function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as Def;
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

function kindOf(schema: Schema): FieldKind {
  const def = unwrap(schema)._zod.def as Def;
  if (def.type === 'number') return 'number';
  if (def.type === 'boolean') return 'boolean';
  if (def.type === 'enum') return 'choice';
  if (def.type === 'array') return kindOf(def.element!) === 'text' ? 'list' : 'yaml';
  if (def.type === 'string') return 'text';
  return 'yaml';
}

function show(kind: FieldKind, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (kind === 'list') return (value as unknown[]).join('\n');
  if (kind === 'yaml') return toYaml(value).trimEnd();
  return String(value);
}

/** The fields of a section, filled with `current` (the stored values). */
export function sectionFields(section: RuntimeSection, current: unknown): SettingField[] {
  const secrets = SECRET_FIELDS[section] ?? [];
  const fields: SettingField[] = [];
  const walk = (schema: Schema, value: Record<string, unknown> | undefined, prefix: string, variant?: string) => {
    const def = unwrap(schema)._zod.def as Def;
    if (def.type === 'object') {
      for (const [key, inner] of Object.entries(def.shape!)) {
        const path = prefix ? `${prefix}.${key}` : key;
        const innerDef = unwrap(inner)._zod.def as Def;
        if (!prefix && secrets.includes(key))
          fields.push({ path, kind: 'secret', value: '', isSet: value?.[key] !== undefined, ...(variant ? { variant } : {}) });
        else if (innerDef.type === 'object') walk(inner, value?.[key] as Record<string, unknown> | undefined, path, variant);
        else if (innerDef.type === 'literal')
          continue; // a union's tag, shown once as the choice below
        else {
          const kind = kindOf(inner) === 'text' && MULTILINE[section]?.includes(path) ? 'multiline' : kindOf(inner);
          fields.push({
            path,
            kind,
            value: show(kind, value?.[key]),
            ...(kind === 'choice' ? { options: Object.values(innerDef.entries!) } : {}),
            ...(variant ? { variant } : {}),
          });
        }
      }
    } else if (def.type === 'union') {
      // One variant at a time (sms: twilio or http): a choice of variant, then each one's fields.
      const variants = def.options!.map((option) => {
        const tag = (unwrap(option)._zod.def as Def).shape!.provider!;
        return { name: String((tag._zod.def as Def).values![0]), option };
      });
      fields.push({ path: 'provider', kind: 'choice', value: String(value?.provider ?? 'none'), options: ['none', ...variants.map((v) => v.name)] });
      for (const { name, option } of variants) walk(option, value?.provider === name ? value : undefined, '', name);
    }
  };
  walk(runtimeSchema.shape[section], current as Record<string, unknown> | undefined, '');
  return fields;
}

/**
 * A settings form as submitted: the text of each field by its path (`perIp.max`). A ticked box
 * sends 'on'; an unticked one, like an empty field, may be absent.
 */
export type SettingsForm = Readonly<Record<string, string>>;

/** The form's values as the section's input, or the fields that cannot be read (bad YAML). */
export function readSectionForm(section: RuntimeSection, form: SettingsForm): { values: Record<string, unknown> | null; errors: FieldError[] } {
  const provider = form.provider;
  if (provider === 'none') return { values: null, errors: [] };
  const values: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const field of sectionFields(section, undefined)) {
    if (field.variant && field.variant !== provider) continue;
    const text = form[field.path] ?? '';
    let value: unknown;
    switch (field.kind) {
      case 'boolean':
        value = text === 'on';
        break;
      case 'number':
        value = text.trim() === '' ? undefined : Number(text);
        break;
      case 'list':
        value = text
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean);
        break;
      case 'yaml':
        try {
          value = text.trim() === '' ? undefined : parseYaml(text);
        } catch (error) {
          errors.push({
            field: field.path,
            code: 'LK_SETTING_INVALID',
            params: { field: field.path, reason: `not valid YAML: ${(error as Error).message.split('\n')[0]}` },
          });
        }
        break;
      default:
        value = text.trim() === '' ? undefined : field.kind === 'secret' ? text : text.trim();
    }
    if (value !== undefined) setPath(values, field.path, value);
  }
  // An optional section (smtp) left empty is switched off.
  const optional = runtimeSchema.shape[section]._zod.def.type === 'optional';
  return { values: optional && Object.keys(values).length === 0 ? null : values, errors };
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = target;
  for (const part of parts.slice(0, -1)) current = (current[part] ??= {}) as Record<string, unknown>;
  current[parts.at(-1)!] = value;
}
