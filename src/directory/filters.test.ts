import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerReader, BerWriter } from 'ldapts';
import { equals, groupsContaining, userAccount } from './filters.ts';

test('typed values cannot change the shape of a filter', () => {
  const filter = userAccount(equals('sAMAccountName', '*)(sAMAccountName=*'));
  assert.equal(
    filter.toString(),
    '(&(objectCategory=person)(objectClass=user)(sAMAccountName=\\2a\\29\\28sAMAccountName=\\2a))',
  );
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
  assert.equal(
    groupsContaining('CN=Jo (Sales),DC=x').toString(),
    '(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=Jo \\28Sales\\29,DC=x))',
  );
});
