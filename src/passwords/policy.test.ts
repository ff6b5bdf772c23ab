import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordPolicySchema } from '../config/password-policy-schema.ts';
import { domainPolicy } from '../directory/password-policy.ts';
import { passwordRules, strictest } from './policy.ts';

const base = passwordPolicySchema.parse({ bannedWords: ['winter'], maxRepeat: 3, maxSequence: 0 });

test("the strictest value of the admin's policy and every group's wins", () => {
  const rules = strictest(base, [
    { group: 'Finance', minLength: 15, maxRepeat: 2, composition: ['digit'] },
    { group: 'Admins', minLength: 12, maxLength: 128, maxSequence: 4, bannedWords: ['summer'], composition: ['symbol', 'digit'] },
    { group: 'Lax', minLength: 4, maxRepeat: 0 },
  ]);
  assert.equal(rules.minLength, 15);
  assert.equal(rules.maxLength, 128);
  assert.equal(rules.maxRepeat, 2, '0 (no limit) of a group does not loosen a limit');
  assert.equal(rules.maxSequence, 4, 'a limit where the base had none');
  assert.deepEqual(rules.bannedWords, ['winter', 'summer']);
  assert.deepEqual(rules.composition, ['digit', 'symbol']);
});

test('no group: the base policy as it is', () => {
  const { groups: _groups, ...plain } = base;
  assert.deepEqual(strictest(base, []), plain);
});

test("the directory's longer minimum and its complexity rule join in; names only with an owner", () => {
  const directory = domainPolicy({ minPwdLength: '10', pwdProperties: '1' });
  const account = { samAccountName: 'jsmith', userPrincipalName: null, displayName: 'John Smith', givenName: 'John', surname: 'Smith' };
  const known = passwordRules(strictest(base, []), directory, { account, organisation: 'Acme' });
  assert.equal(known.minLength, 10);
  assert.deepEqual(known.complexity, account);
  assert.deepEqual(known.names, ['jsmith', 'john', 'smith', 'acme']);
  const unknown = passwordRules(strictest(base, []), null, null);
  assert.equal(unknown.minLength, 8);
  assert.equal(unknown.complexity, null);
  assert.deepEqual(unknown.names, []);
  assert.deepEqual(passwordRules({ ...strictest(base, []), rejectNames: false }, directory, { account, organisation: 'Acme' }).names, []);
});
