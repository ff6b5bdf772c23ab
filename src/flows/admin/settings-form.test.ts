import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runtimeSchema } from '../../config/schema.ts';
import { readSectionForm, sectionFields } from './settings-form.ts';

test('a section becomes typed fields, nested paths included', () => {
  const protection = runtimeSchema.shape.protection.parse({});
  const fields = sectionFields('protection', protection);
  const perIp = fields.find((field) => field.path === 'perIp.max');
  assert.deepEqual(perIp, { path: 'perIp.max', kind: 'number', value: '30' });
  assert.equal(fields.find((field) => field.path === 'honeypot')?.kind, 'boolean');
});

test('secrets are fields without their value, saying only whether one is stored', () => {
  const fields = sectionFields('directory', { urls: ['ldaps://dc'], bindDn: 'svc', bindPassword: 'hunter2', searchBases: [], startTls: true, timeoutMs: 1000 });
  const secret = fields.find((field) => field.path === 'bindPassword');
  assert.deepEqual(secret, { path: 'bindPassword', kind: 'secret', value: '', isSet: true });
  assert.ok(!JSON.stringify(fields).includes('hunter2'));
  assert.equal(fields.find((field) => field.path === 'urls')?.value, 'ldaps://dc');
  assert.equal(fields.find((field) => field.path === 'caPem')?.kind, 'multiline', 'a pasted certificate spans lines');
});

test('a union section (sms) is a choice of provider and each provider’s fields', () => {
  const fields = sectionFields('sms', { provider: 'http', url: 'https://gw', method: 'POST', headers: {}, body: '' });
  assert.deepEqual(fields.find((field) => field.path === 'provider')?.options, ['none', 'twilio', 'http']);
  assert.equal(fields.find((field) => field.path === 'url')?.variant, 'http');
  assert.equal(fields.find((field) => field.path === 'accountSid')?.variant, 'twilio');
});

test('a submitted form reads back into the section, lists and YAML included', () => {
  const { values, errors } = readSectionForm('helpdesk', {
    groups: '- group: Desk\n  scopes: ["OU=Staff,DC=x"]\n',
    requireCallerVerification: 'on',
    generatedPasswordLength: '20',
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(values, {
    groups: [{ group: 'Desk', scopes: ['OU=Staff,DC=x'] }],
    requireCallerVerification: true,
    generatedPasswordLength: 20,
    allowFrom: [],
  });
  const unticked = readSectionForm('helpdesk', { groups: '' });
  assert.equal(unticked.values?.requireCallerVerification, false, 'an unticked box is false');
});

test('bad YAML is named on its field; an empty optional section is switched off', () => {
  const { errors } = readSectionForm('helpdesk', { groups: 'groups: [unclosed' });
  assert.equal(errors[0]?.field, 'groups');
  assert.equal(readSectionForm('smtp', {}).values, null);
  assert.equal(readSectionForm('sms', { provider: 'none' }).values, null);
});

test('the default region of phone numbers is a text field; empty means none', () => {
  assert.deepEqual(sectionFields('phone', { defaultRegion: 'US' }), [{ path: 'defaultRegion', kind: 'text', value: 'US' }]);
  assert.deepEqual(readSectionForm('phone', { defaultRegion: ' gb ' }).values, { defaultRegion: 'gb' });
  assert.deepEqual(runtimeSchema.shape.phone.parse(readSectionForm('phone', { defaultRegion: ' gb ' }).values), { defaultRegion: 'GB' });
  assert.deepEqual(readSectionForm('phone', { defaultRegion: '' }).values, {});
});
