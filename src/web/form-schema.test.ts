/** Reading form fields by schema: one value of the right kind and length, or the field's error. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { checkboxField, choiceField, FIELD_CODES, optionalTextField, readForm, secretField, textField, typedValues } from './form-schema.ts';

const form = z.object({ name: textField(8), secret: secretField(), pick: choiceField(['a', 'b']), box: checkboxField(), extra: optionalTextField(4) });

test('missing fields read as empty, a checkbox off, an optional field absent', () => {
  assert.deepEqual(readForm(form, {}), { ok: true, values: { name: '', secret: '', pick: '', box: false } });
  assert.deepEqual(readForm(form, null), { ok: true, values: { name: '', secret: '', pick: '', box: false } });
});

test('values are kept as typed: not trimmed, not cut', () => {
  const read = readForm(form, { name: ' jsmith ', secret: ' pass word ', pick: 'b', box: 'on', extra: 'x' });
  assert.deepEqual(read, { ok: true, values: { name: ' jsmith ', secret: ' pass word ', pick: 'b', box: true, extra: 'x' } });
});

test('a repeated field, a value of the wrong type, an over-long value and a choice not offered each get their field error', () => {
  const read = readForm(form, { name: ['a', 'b'], secret: 'x'.repeat(513), pick: 'c', extra: { nested: 'object' } });
  assert.equal(read.ok, false);
  assert.deepEqual(!read.ok && read.errors, [
    { field: 'name', code: FIELD_CODES.repeated },
    { field: 'secret', code: FIELD_CODES.tooLong, params: { max: 512 } },
    { field: 'pick', code: FIELD_CODES.invalid, params: { reason: 'not one of the choices offered' } },
    { field: 'extra', code: FIELD_CODES.invalid, params: { reason: 'not text' } },
  ]);
});

test('the longest allowed value passes; one more character is refused', () => {
  assert.equal(readForm(form, { name: 'x'.repeat(8) }).ok, true);
  assert.deepEqual(readForm(form, { name: 'x'.repeat(9) }), { ok: false, errors: [{ field: 'name', code: FIELD_CODES.tooLong, params: { max: 8 } }] });
});

test('a form shown again keeps what was typed in its text fields, and nothing that is not text', () => {
  assert.deepEqual(typedValues({ username: 'jsmith', domain: ['a', 'b'] }, ['username', 'domain', 'missing']), { username: 'jsmith', domain: '', missing: '' });
});

test('a strict schema refuses a field the form does not have; a plain zod rule gives its own reason', () => {
  const strict = z.strictObject({ age: z.string().regex(/^\d+$/, 'expected a number') });
  assert.deepEqual(readForm(strict, { age: 'x', other: '1' }), {
    ok: false,
    errors: [
      { field: 'age', code: FIELD_CODES.invalid, params: { reason: 'expected a number' } },
      { field: 'other', code: FIELD_CODES.unknown },
    ],
  });
});
