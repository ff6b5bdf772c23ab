/**
 * The profile attributes (readAttributes, updateAttributes), against the real Samba AD domain of
 * scripts/dev-ad: what the service account may write where it is delegated, and what is refused
 * before any request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change, type Client } from 'ldapts';
import { rejectsWithCode } from '../testing/assertions.ts';
import { adminClient, createUser, devDirectory, devDomain, type OuKey, readAttribute, removeEntries } from '../testing/dev-domain.ts';
import type { ActiveDirectory } from './active-directory.ts';
import type { DirectoryUser } from './directory.ts';

const facts = devDomain();
let admin: Client;
let directory: ActiveDirectory;
/** Sees the whole domain, to read back users created outside the delegated OUs. */
let wholeDomain: ActiveDirectory;
/** A directory that cannot reach any DC: whatever it answers, it answered without asking one. */
let unreachable: ActiveDirectory;
const created: string[] = [];

before(async () => {
  admin = await adminClient();
  directory = devDirectory();
  wholeDomain = devDirectory({ searchBases: [facts.baseDn] });
  unreachable = devDirectory({ urls: ['ldaps://127.0.0.1:1'], connectTimeoutMs: 1_000 });
});

after(async () => {
  await removeEntries(admin, created.reverse());
  await admin.unbind();
  await Promise.all([directory, wholeDomain, unreachable].map((it) => it.close()));
});

/** A new user in `ou`, read back through Latchkey. */
async function person(ou: OuKey): Promise<DirectoryUser> {
  const { dn, sam } = await createUser(admin, ou);
  created.push(dn);
  const user = await wholeDomain.findUser(sam);
  assert.ok(user, `the new user ${dn} is found`);
  return user;
}

/** All values of an attribute as the administrator sees them ([] when it has none). */
async function adminValues(dn: string, attribute: string): Promise<string[]> {
  const { searchEntries } = await admin.search(dn, { scope: 'base', attributes: [attribute] });
  const value = searchEntries[0]?.[attribute] ?? [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

describe('profile attributes', () => {
  test('a Staff user: mobile and telephoneNumber are written, read back, and cleared', async () => {
    const user = await person('staff');
    assert.deepEqual(await directory.readAttributes(user, ['mobile', 'telephoneNumber']), { mobile: ['+15550100999'], telephoneNumber: [] });

    await directory.updateAttributes(user, { mobile: '+15550123456', telephoneNumber: '+1 555 0100 200' });
    assert.equal(await readAttribute(admin, user.dn, 'mobile'), '+15550123456');
    assert.equal(await readAttribute(admin, user.dn, 'telephoneNumber'), '+1 555 0100 200');
    assert.deepEqual(await directory.readAttributes(user, ['mobile', 'telephoneNumber']), {
      mobile: ['+15550123456'],
      telephoneNumber: ['+1 555 0100 200'],
    });

    await directory.updateAttributes(user, { mobile: null, telephoneNumber: '' });
    assert.deepEqual(await adminValues(user.dn, 'mobile'), []);
    assert.deepEqual(await adminValues(user.dn, 'telephoneNumber'), []);
    // Clearing what is already empty is not an error.
    await directory.updateAttributes(user, { mobile: null });
    assert.deepEqual(await directory.readAttributes(user, ['mobile']), { mobile: [] });
  });

  test('names as asked, absent attributes as [], manager as a DN, multi-valued as all values', async () => {
    const boss = await person('staff');
    const user = await person('staff');
    await admin.modify(user.dn, [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'manager', values: [boss.dn] }) }),
      new Change({ operation: 'replace', modification: new Attribute({ type: 'otherTelephone', values: ['+1 555 1', '+1 555 2'] }) }),
    ]);
    const { otherTelephone, ...values } = await directory.readAttributes(user, ['MOBILE', 'manager', 'otherTelephone', 'pager', 'givenName']);
    assert.deepEqual(values, { MOBILE: ['+15550100999'], manager: [boss.dn], pager: [], givenName: ['Test'] });
    assert.deepEqual(otherTelephone?.sort(), ['+1 555 1', '+1 555 2']);
    assert.deepEqual(await unreachable.readAttributes(user, []), {}, 'nothing asked, nothing read');
  });

  test('a Contractors user: no Write mobile delegated, so refused, naming the right, and unchanged', async () => {
    const user = await person('contractors');
    const error = await rejectsWithCode(directory.updateAttributes(user, { mobile: '+15550123456' }), 'LK_INSUFFICIENT_RIGHTS');
    assert.match(error.message, /delegate Write mobile to the service account/);
    assert.match(error.message, new RegExp(`change mobile for ${user.dn}`));
    assert.equal(await readAttribute(admin, user.dn, 'mobile'), '+15550100999');
    // Clearing needs the same right.
    await rejectsWithCode(directory.updateAttributes(user, { mobile: null }), 'LK_INSUFFICIENT_RIGHTS');
    assert.equal(await readAttribute(admin, user.dn, 'mobile'), '+15550100999');
  });

  test('a Vendors user (no delegation at all) and an undelegated attribute are refused too', async () => {
    const vendor = await person('vendors');
    await rejectsWithCode(directory.updateAttributes(vendor, { mobile: '+15550123456' }), 'LK_INSUFFICIENT_RIGHTS');
    const staff = await person('staff');
    const error = await rejectsWithCode(directory.updateAttributes(staff, { mobile: '+15550123456', pager: '+1555' }), 'LK_INSUFFICIENT_RIGHTS');
    assert.match(error.message, /Write mobile, Write pager/);
    assert.equal(await readAttribute(admin, staff.dn, 'mobile'), '+15550100999', 'one modify: all or nothing');
  });

  test('account and security attributes are refused before any request', async () => {
    const user = await person('staff');
    const uac = await readAttribute(admin, user.dn, 'userAccountControl');
    for (const attribute of [
      'userAccountControl',
      'unicodePwd',
      'UnicodePwd',
      'pwdLastSet',
      'lockoutTime',
      'memberOf',
      'member',
      'objectClass',
      'sAMAccountName',
      'userPrincipalName',
      'nTSecurityDescriptor',
      'msDS-AllowedToActOnBehalfOfOtherIdentity',
      'ms-Mcs-AdmPwd',
      'altSecurityIdentities',
    ]) {
      const error = await rejectsWithCode(unreachable.updateAttributes(user, { [attribute]: '514' }), 'LK_ATTRIBUTE_NOT_EDITABLE');
      assert.match(error.message, new RegExp(attribute));
    }
    // With a reachable DC as well, and mixed with an allowed attribute: nothing is written.
    await rejectsWithCode(directory.updateAttributes(user, { mobile: '+15550123456', userAccountControl: '514' }), 'LK_ATTRIBUTE_NOT_EDITABLE');
    assert.equal(await readAttribute(admin, user.dn, 'userAccountControl'), uac);
    assert.equal(await readAttribute(admin, user.dn, 'mobile'), '+15550100999');
  });

  test('names that are not attribute names are refused before any request', async () => {
    const user = await person('staff');
    for (const name of ['', 'mobile;binary', 'mo bile', '1mobile', 'mobile)(cn=*', '*', 'mobile\u0000']) {
      await rejectsWithCode(unreachable.readAttributes(user, ['mobile', name]), 'LK_ATTRIBUTE_NAME_INVALID');
      await rejectsWithCode(unreachable.updateAttributes(user, { [name]: 'x' }), 'LK_ATTRIBUTE_NAME_INVALID');
    }
  });

  test('a value the DC will not take is refused in plain words, naming the attribute', async () => {
    const user = await person('staff');
    const error = await rejectsWithCode(directory.updateAttributes(user, { mobile: '1'.repeat(100) }), 'LK_ATTRIBUTE_REJECTED');
    assert.match(error.message, /new value of mobile:/);
    assert.equal(await readAttribute(admin, user.dn, 'mobile'), '+15550100999');
    await rejectsWithCode(directory.updateAttributes(user, { latchkeyNoSuchAttribute: 'x' }), 'LK_ATTRIBUTE_REJECTED');
  });

  test('a user that is gone is not found', async () => {
    const user = await person('staff');
    await admin.del(user.dn);
    await rejectsWithCode(directory.readAttributes(user, ['mobile']), 'LK_USER_NOT_FOUND');
    await rejectsWithCode(directory.updateAttributes(user, { mobile: '+15550123456' }), 'LK_USER_NOT_FOUND');
  });
});
