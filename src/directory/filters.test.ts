import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AndFilter, BerReader, BerWriter, type OrFilter } from 'ldapts';
import { atLeast, equals, groupsContaining, groupsNamed, nameStartsWith, startsWith, userAccount } from './filters.ts';

test('typed values cannot change the shape of a filter', () => {
  const filter = userAccount(equals('sAMAccountName', '*)(sAMAccountName=*'));
  assert.equal(filter.toString(), '(&(objectCategory=person)(objectClass=user)(sAMAccountName=\\2a\\29\\28sAMAccountName=\\2a))');
});

test('binary values are sent byte for byte', () => {
  const guid = Buffer.from('ff00e9c3a90080', 'hex');
  const writer = new BerWriter();
  equals('objectGUID', guid).write(writer);
  const reader = new BerReader(writer.buffer);
  reader.readSequence(); // the equality match
  assert.equal(reader.readString(), 'objectGUID');
  assert.deepEqual(reader.readString(0x04, true), guid);
});

test('nested membership uses the in-chain matching rule', () => {
  assert.equal(groupsContaining('CN=Jo (Sales),DC=x').toString(), '(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=Jo \\28Sales\\29,DC=x))');
});

test('a typed name is a prefix of each naming attribute, and "Given Surname" is split', () => {
  assert.equal(
    nameStartsWith('Jo Smi').toString(),
    '(|(sAMAccountName=Jo Smi*)(displayName=Jo Smi*)(givenName=Jo Smi*)(sn=Jo Smi*)(mail=Jo Smi*)(userPrincipalName=Jo Smi*)' + '(&(givenName=Jo*)(sn=Smi*)))',
  );
  const split = (text: string) => (nameStartsWith(text) as OrFilter).filters.filter((filter) => filter instanceof AndFilter);
  assert.equal(split('jsmith').length, 0);
  assert.equal(split('Mary Ann van Dyke').length, 3);
  assert.equal(split('a b c d e f g h').length, 4, 'splits are bounded');
});

test('typed filter metacharacters stay literal in prefix filters', () => {
  assert.equal(startsWith('sn', '*)(cn=*').toString(), '(sn=\\2a\\29\\28cn=\\2a*)');
  const writer = new BerWriter();
  startsWith('sn', 'a*\\').write(writer);
  const reader = new BerReader(writer.buffer);
  reader.readSequence(); // the substrings filter
  assert.equal(reader.readString(), 'sn');
  reader.readSequence(); // its parts
  assert.equal(reader.readString(0x80), 'a*\\', 'the initial part, byte for byte');
  assert.throws(() => startsWith('sn', ''), RangeError);
});

test('a keyset cursor is an ordering filter on the value as typed', () => {
  assert.equal(atLeast('sAMAccountName', 'x)(cn=*').toString(), '(sAMAccountName>=x\\29\\28cn=\\2a)');
});

test('a configured group is looked up by SID, by DN, or by cn and sAMAccountName together', () => {
  assert.match(groupsNamed('S-1-5-21-1-2-3-1105').toString(), /^\(&\(objectClass=group\)\(objectSid=\\01\\05/);
  assert.equal(groupsNamed('CN=Desk,OU=Groups,DC=x').toString(), '(&(objectClass=group)(distinguishedName=CN=Desk,OU=Groups,DC=x))');
  assert.equal(groupsNamed(' Latchkey Admins ').toString(), '(&(objectClass=group)(|(cn=Latchkey Admins)(sAMAccountName=Latchkey Admins)))');
});
