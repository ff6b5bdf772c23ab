/**
 * The console's settings in words: each field's label and help text (resource strings named by
 * the field's path: `setting.codes.lifetimeMinutes`, `….help`), and a validation problem said
 * with that label and the field's unit ("Code lifetime must be at least 1 minute."), never in
 * the validator's own text.
 */
import type { RuntimeSection } from '../../config/schema.ts';
import type { FieldError } from '../../field-errors.ts';
import type { Translate } from '../../i18n/translate.ts';

/** Units read from the path's last word (lifetimeMinutes, responseDelayMs.min, everyHours …). */
const UNITS: readonly [RegExp, string][] = [
  [/Ms(\.\w+)?$/, 'milliseconds'],
  [/Seconds$/, 'seconds'],
  [/Minutes$/, 'minutes'],
  [/(every)?Hours$/, 'hours'],
  [/Days$/, 'days'],
];

/** The unit of a number field, by its path; null when it counts things. */
export function unitOf(path: string): string | null {
  return UNITS.find(([pattern]) => pattern.test(path))?.[1] ?? null;
}

/** The resource string `key`, or null when there is none (an unknown key translates to itself). */
function optional(t: Translate, key: string): string | null {
  const text = t(key);
  return text === key ? null : text;
}

/** A field's label; its path when no string names it. */
export function settingLabel(t: Translate, section: RuntimeSection, path: string): string {
  return optional(t, `setting.${section}.${path}`) ?? path;
}

/** The label of the field a problem's path falls in: `bannedWords.1` is an entry of Banned words. */
function fieldLabel(t: Translate, section: RuntimeSection, path: string): string {
  const parts = path.split('.');
  for (let end = parts.length; end > 0; end--) {
    const label = optional(t, `setting.${section}.${parts.slice(0, end).join('.')}`);
    if (label) return label;
  }
  return path;
}

/** A field's help text, if it has one. */
export function settingHelp(t: Translate, section: RuntimeSection, path: string): string | null {
  return optional(t, `setting.${section}.${path}.help`);
}

/** `count` in the field's unit ("1 minute", "30 seconds"), or the bare number. */
function amount(t: Translate, path: string, count: number): string {
  const unit = unitOf(path);
  return unit ? t(`unit.${unit}.${count === 1 ? 'one' : 'other'}`, { count }) : String(count);
}

/** The code and words of one problem the validator found (params from src/settings/service.ts). */
function worded(t: Translate, section: RuntimeSection, error: FieldError): FieldError {
  const params = error.params ?? {};
  const label = fieldLabel(t, section, error.field);
  const limit = Number(params.limit);
  const say = (code: string, extra: Record<string, string | number> = {}) => ({ field: error.field, code, params: { label, ...extra } });
  switch (params.issue) {
    case 'too_small':
    case 'too_big': {
      const small = params.issue === 'too_small';
      if (['number', 'int', 'bigint'].includes(String(params.origin)))
        return say(small ? 'LK_SETTING_TOO_SMALL' : 'LK_SETTING_TOO_BIG', { amount: amount(t, error.field, limit) });
      if (params.origin === 'string') return say(small ? 'LK_SETTING_TOO_SHORT' : 'LK_SETTING_TOO_LONG', { count: limit });
      return say(small ? 'LK_SETTING_TOO_FEW' : 'LK_SETTING_TOO_MANY', { count: limit });
    }
    case 'invalid_type':
      if (params.expected === 'int') return say('LK_SETTING_WHOLE_NUMBER');
      if (params.expected === 'number') return say('LK_SETTING_NOT_A_NUMBER');
      return say('LK_SETTING_REQUIRED');
    case 'invalid_value':
      return say('LK_SETTING_NOT_ALLOWED', { allowed: String(params.allowed ?? '') });
    case 'invalid_format':
      return say('LK_SETTING_FORMAT', { reason: String(params.reason ?? '') });
    default:
      // A rule of the schema's own (its message is written for admins), or one found elsewhere.
      return error.code === 'LK_SETTING_INVALID' ? { ...error, params: { ...params, field: label } } : error;
  }
}

/** The problems of a settings form, each said in words with its field's label and unit. */
export function wordedErrors(t: Translate, section: RuntimeSection, errors: readonly FieldError[]): FieldError[] {
  return errors.map((error) => worded(t, section, error));
}
