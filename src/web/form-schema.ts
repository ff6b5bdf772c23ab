/**
 * Reading a posted form through a zod schema: a field sent twice, of the wrong type, longer
 * than allowed or unknown to the form is refused with that field's error, before anything
 * else looks at the form. Schemas name every field the form has; text is bounded.
 */
import { z } from 'zod';
import type { FieldError } from '../flows/recover.ts';

/** A CSRF token as the forms carry it (checked before the handler; here only bounded). */
export const csrfField = z.string().max(256).optional();

/** What a field is called in messages: its name, without the settings forms' `field:` prefix. */
function label(field: string): string {
  return field.replace(/^field:/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The field errors of a failed parse of `body`, one per field. */
function fieldErrors(issues: readonly z.core.$ZodIssue[], body: unknown): FieldError[] {
  const raw = isRecord(body) ? body : {};
  const errors = new Map<string, FieldError>();
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.set(key, { field: key, code: 'LK_FIELD_UNKNOWN', params: { field: label(key) } });
      continue;
    }
    const field = issue.path.length ? String(issue.path[0]) : 'form';
    if (errors.has(field)) continue;
    if (Array.isArray(raw[field])) errors.set(field, { field, code: 'LK_FIELD_REPEATED', params: { field: label(field) } });
    else if (issue.code === 'too_big') errors.set(field, { field, code: 'LK_FIELD_TOO_LONG', params: { field: label(field), max: Number(issue.maximum) } });
    else errors.set(field, { field, code: 'LK_FIELD_INVALID', params: { field: label(field), reason: issue.message } });
  }
  return [...errors.values()];
}

/** `body` read by `schema`, or the errors of each field it refuses. */
export function parseForm<T>(schema: z.ZodType<T>, body: unknown): { ok: true; data: T } | { ok: false; errors: FieldError[] } {
  const parsed = schema.safeParse(body ?? {});
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, errors: fieldErrors(parsed.error.issues, body) };
}

/** A query parameter as text of at most `max` characters; absent, repeated or not text reads as ''. */
export function queryText(max: number) {
  return z
    .string()
    .catch('')
    .transform((value) => value.slice(0, max));
}
