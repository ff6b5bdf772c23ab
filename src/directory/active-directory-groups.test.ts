/** Groups named in the configuration, resolved in the real dev domain: always to one group, by its SID. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'ldapts';
import { rejectsWithCode } from '../testing/assertions.ts';
import { adminClient, createGroup, createOu, devDirectory, devDomain, removeEntries } from '../testing/dev-domain.ts';
import type { ActiveDirectory } from './active-directory.ts';

const facts = devDomain();
let admin: Client;
let directory: ActiveDirectory;
const created: string[] = [];

before(async () => {
  admin = await adminClient();
  directory = devDirectory();
});

after(async () => {
  await removeEntries(admin, created.reverse());
  await admin.unbind();
  await directory.close();
});

describe('configured groups', () => {
  test('a group is found by name in any case, by DN and by SID, always as its SID and DN', async () => {
    const dn = await createGroup(admin);
    created.push(dn);
    const name = /^CN=([^,]+)/.exec(dn)![1]!;
    const byName = await directory.resolveGroup(name.toUpperCase());
    assert.equal(byName.dn.toLowerCase(), dn.toLowerCase());
    assert.match(byName.sid, new RegExp(`^${facts.domainSid}-\\d+$`));
    assert.deepEqual(await directory.resolveGroup(dn), byName);
    assert.deepEqual(await directory.resolveGroup(byName.sid), byName);
  });

  test('a name that no group has is refused, and so is a name two groups share, naming both', async () => {
    await rejectsWithCode(directory.resolveGroup('no such group here'), 'LK_GROUP_NOT_FOUND');
    const real = await createGroup(admin);
    const name = /^CN=([^,]+)/.exec(real)![1]!;
    const ou = await createOu(admin);
    const forged = await createGroup(admin, [], { name, container: ou });
    created.push(ou, real, forged); // removed in reverse: the OU once it is empty
    const error = await rejectsWithCode(directory.resolveGroup(name), 'LK_GROUP_AMBIGUOUS');
    assert.ok(error.message.includes(real) && error.message.includes(forged), error.message);
    assert.equal((await directory.resolveGroup(forged)).dn.toLowerCase(), forged.toLowerCase(), 'its DN still names one');
  });
});
