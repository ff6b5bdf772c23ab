import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Attribute, Change, type Client } from 'ldapts';
import { adminClient, createOu, createUser, devDirectory, removeOu } from '../testing/dev-domain.ts';

const ENDINGS = ['_', 'É', 'Z', '-', '9'];
let admin: Client;
let ou: string;
const sams: string[] = [];

before(async () => {
  admin = await adminClient();
  ou = await createOu(admin);
  for (let index = 0; index < 12; index++) {
    const user = await createUser(admin, { dn: ou });
    const ending = ENDINGS[index];
    const sam = ending ? `${user.sam.slice(0, 12)}${ending}` : user.sam;
    if (ending) await admin.modify(user.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'sAMAccountName', values: [sam] }) }));
    sams.push(sam);
  }
});

after(async () => {
  await removeOu(admin, ou);
  await admin.unbind();
});

test('a scan read in shares over several connections finds each expiring account exactly once', async () => {
  const directory = devDirectory();
  try {
    const found = async (connections: number) => {
      const names: string[] = [];
      for await (const account of directory.passwordExpiries({ bases: [ou], connections, pageSize: 3 })) names.push(account.samAccountName);
      return names.sort();
    };
    const whole = await found(1);
    assert.deepEqual(whole, [...sams].sort());
    for (const connections of [2, 3]) assert.deepEqual(await found(connections), whole, `${connections} connections`);
  } finally {
    await directory.close();
  }
});
