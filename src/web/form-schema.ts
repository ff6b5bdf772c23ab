/**
 * Form bodies read by a schema at the route: each field is one value of the expected kind and
 * length, or the field gets an error saying what is wrong; a form with an error changes nothing.
 * A repeated field is refused rather than guessed at (which of the two did the person mean?),
 * and an over-long value rather than cut (a cut password is not the one that was typed).
 */
import { z } from 'zod';
import type { FieldError } from '../field-errors.ts';

/** The codes of the field errors a schema gives; each has a string saying what to type instead. */
export const FIELD_CODES = { repeated: 'LK_FIELD_REPEATED', tooLong: 'LK_FIELD_TOO_LONG', invalid: 'LK_FIELD_INVALID', unknown: 'LK_FIELD_UNKNOWN' } as const;

/** Longest account name or other one-line text a public form takes. */
export const TEXT_MAX = 256;
/** Longest password or answer; AD's own limit is lower, and says so itself. */
export const SECRET_MAX = 512;

function refuse(context: z.RefinementCtx, code: string, params?: Record<string, string | number>) {
  context.addIssue({ code: 'custom', message: code, ...(params ? { params } : {}) });
  return z.NEVER;
}

function checkedText(value: unknown, max: number, context: z.RefinementCtx): string {
  if (Array.isArray(value)) return refuse(context, FIELD_CODES.repeated);
  if (typeof value !== 'string') return refuse(context, FIELD_CODES.invalid, { reason: 'not text' });
  if (value.length > max) return refuse(context, FIELD_CODES.tooLong, { max });
  return value;
}

/** One text value of at most `max` characters; missing is ''. Not trimmed: spaces may belong to it. */
export function textField(max = TEXT_MAX) {
  return z
    .unknown()
    .optional()
    .transform((value, context): string => (value === undefined ? '' : checkedText(value, max, context)));
}

/** Like textField, but a field the form did not carry stays undefined. */
export function optionalTextField(max = TEXT_MAX) {
  return z
    .unknown()
    .optional()
    .transform((value, context): string | undefined => (value === undefined ? undefined : checkedText(value, max, context)));
}

/** The CSRF token the forms carry (checked before the handler; here only bounded), for strict schemas. */
export const csrfField = z.string().max(256).optional();

/** A query parameter of at most `max` characters; absent, repeated or not text reads as '' (a link is not a form). */
export function queryText(max: number) {
  return textField(max).catch('');
}

/** A query or a route's parameters read by a schema of queryText fields: never an error, since a bad value reads as ''. */
export function readQuery<Schema extends z.ZodType>(schema: Schema, query: unknown): z.infer<Schema> {
  return schema.parse(query !== null && typeof query === 'object' ? query : {});
}

/** A password, answer or code field. */
export const secretField = () => textField(SECRET_MAX);

/** One of `choices`, or '' when missing; anything else is refused. */
export function choiceField<const Choice extends string>(choices: readonly Choice[]) {
  return textField(64).transform((value, context): Choice | '' => {
    if (value === '') return '';
    if ((choices as readonly string[]).includes(value)) return value as Choice;
    return refuse(context, FIELD_CODES.invalid, { reason: 'not one of the choices offered' });
  });
}

/** A checkbox: on when sent with any single value. */
export function checkboxField() {
  return textField(16).transform((value) => value !== '');
}

export type FormRead<Values> = { ok: true; values: Values } | { ok: false; errors: FieldError[] };

/** A field's error from a zod issue: the code a field helper named, or the one the issue's kind means. */
function issueError(issue: z.core.$ZodIssue, raw: Record<string, unknown>): FieldError[] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((field) => ({ field, code: FIELD_CODES.unknown }));
  const field = String(issue.path[0] ?? 'form');
  const params = (issue as { params?: Record<string, string | number> }).params;
  if (issue.message.startsWith('LK_')) return [{ field, code: issue.message, ...(params ? { params } : {}) }];
  if (Array.isArray(raw[field])) return [{ field, code: FIELD_CODES.repeated }];
  if (issue.code === 'too_big') return [{ field, code: FIELD_CODES.tooLong, params: { max: Number(issue.maximum) } }];
  return [{ field, code: FIELD_CODES.invalid, params: { reason: issue.message } }];
}

/**
 * Reads `body` with `schema`: the typed values, or an error for each field that is wrong (the
 * first thing wrong with it). A strict schema also refuses fields the form does not have.
 */
export function readForm<Schema extends z.ZodType>(schema: Schema, body: unknown): FormRead<z.infer<Schema>> {
  const raw = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, values: parsed.data };
  const errors = parsed.error.issues.flatMap((issue) => issueError(issue, raw));
  return { ok: false, errors: errors.filter((error, i) => errors.findIndex((other) => other.field === error.field) === i) };
}

/**
 * What a form whose reading failed shows again: each readable text field as typed, never a
 * secret (passwords and answers are not sent back to the browser).
 */
export function typedValues(body: unknown, fields: readonly string[]): Record<string, string> {
  const form = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.map((field) => [field, typeof form[field] === 'string' ? (form[field] as string).slice(0, TEXT_MAX) : '']));
}
