import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAccountName } from './account-name.ts';

test('a bare name is a sAMAccountName', () => {
  assert.deepEqual(parseAccountName('  jsmith '), { kind: 'sam', sam: 'jsmith' });
});

test('user@suffix is a UPN, split at the last @', () => {
  assert.deepEqual(parseAccountName('j@smith@corp.example'), {
    kind: 'upn',
    upn: 'j@smith@corp.example',
    local: 'j@smith',
    suffix: 'corp.example',
  });
});

test('DOMAIN\\user is a down-level logon name', () => {
  assert.deepEqual(parseAccountName('CORP\\jsmith'), { kind: 'down-level', domain: 'CORP', sam: 'jsmith' });
});

test('a domain typed in its own field applies to a bare name only', () => {
  assert.deepEqual(parseAccountName('jsmith', 'CORP'), { kind: 'down-level', domain: 'CORP', sam: 'jsmith' });
  assert.deepEqual(parseAccountName('OTHER\\jsmith', 'CORP'), { kind: 'down-level', domain: 'OTHER', sam: 'jsmith' });
  assert.deepEqual(parseAccountName('jsmith', '  '), { kind: 'sam', sam: 'jsmith' });
});

test('names that cannot be accounts are refused without a lookup', () => {
  for (const bad of ['', '   ', '\\jsmith', 'CORP\\', 'a\\b\\c', '@corp', 'jsmith@', 'js\u0000mith', 'x'.repeat(257)]) {
    assert.equal(parseAccountName(bad), null, JSON.stringify(bad));
  }
});

test('LDAP filter metacharacters are kept as typed (escaping is the search’s job)', () => {
  assert.deepEqual(parseAccountName('*)(sAMAccountName=*'), { kind: 'sam', sam: '*)(sAMAccountName=*' });
});
