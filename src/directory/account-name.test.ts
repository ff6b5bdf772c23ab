import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalAccountName, parseAccountName } from './account-name.ts';

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

test('every spelling that reaches an account is reduced to one canonical name, known or not', () => {
  const own = { netbiosDomain: 'CORP', dnsDomain: 'corp.example' };
  const spellings: [string, string?][] = [
    ['jsmith'],
    ['  JSmith '],
    ['CORP\\jsmith'],
    ['corp\\ JSMITH'],
    ['corp.example\\jsmith'],
    ['jsmith@corp.example'],
    ['JSmith@CORP.EXAMPLE '],
    ['jsmith', 'CORP'],
    ['jsmith', 'corp.example'],
    ['ｊｓｍｉｔｈ'],
  ];
  for (const [name, domain] of spellings) assert.equal(canonicalAccountName(name, domain, own), 'jsmith', `${name} / ${domain}`);
});

test('names of another domain keep it, so they never share a key with ours', () => {
  const own = { netbiosDomain: 'CORP', dnsDomain: 'corp.example' };
  assert.equal(canonicalAccountName('OTHER\\jsmith', undefined, own), 'other\\jsmith');
  assert.equal(canonicalAccountName('jsmith@other.example', undefined, own), 'jsmith@other.example');
  assert.equal(canonicalAccountName('jsmith', 'OTHER', own), 'other\\jsmith');
  assert.notEqual(canonicalAccountName('\\jsmith', undefined, own), 'jsmith');
});
