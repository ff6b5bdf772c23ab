import assert from 'node:assert/strict';
import { test } from 'node:test';
import addressparser from 'nodemailer/lib/addressparser';
import { bareAddress } from './address.ts';

/** Inputs that nodemailer would send somewhere other than the text as a whole, or nowhere sensible. */
const NOT_BARE = [
  'x<evil@example.org>',
  'jsmith@corp.example<evil@example.org>',
  '"jsmith@corp.example" <evil@example.org>',
  'Jo Smith <jsmith@corp.example>',
  '<jsmith@corp.example>',
  'jsmith@corp.example (work)',
  'jsmith@corp.example, evil@example.org',
  'jsmith@corp.example; evil@example.org',
  'team: jsmith@corp.example, evil@example.org;',
  'jsmith@corp.example\nBcc: evil@example.org',
  'jo smith@corp.example',
  'a"b@corp.example',
  'jsmith@corp.example>',
  'jsmith@[10.0.0.1]',
  'jsmith@corp',
  'jsmith@corp..example',
  '@corp.example',
  'jsmith@',
  'jsmith',
  '',
  `${'a'.repeat(250)}@corp.example`,
];

test('one bare address is accepted as typed, surrounding spaces aside', () => {
  for (const address of ['jsmith@corp.example', 'jo.smith+codes@mail.corp.example', "o'brien@corp.example", 'jöe@exämple.org']) {
    assert.equal(bareAddress(address), address);
    assert.equal(bareAddress(`  ${address} `), address);
  }
});

test('a display name, brackets, a comment, a group or several addresses are refused', () => {
  for (const typed of NOT_BARE) assert.equal(bareAddress(typed), null, JSON.stringify(typed));
});

test('whatever is accepted, the mailer would send to exactly that address and no other', () => {
  const accepted = ['jsmith@corp.example', 'a.b-c_d+e@x.y.example', ...NOT_BARE].map(bareAddress).filter((address) => address !== null);
  assert.ok(accepted.length >= 2);
  for (const address of accepted) assert.deepEqual(addressparser(address), [{ address, name: '' }]);
});
