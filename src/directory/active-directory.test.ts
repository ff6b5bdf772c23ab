/**
 * The Active Directory implementation against the real Samba AD domain of scripts/dev-ad.
 * Each test works on users it creates, so tests neither depend on nor disturb each other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change, type Client } from 'ldapts';
import { rejectsWithCode } from '../testing/assertions.ts';
import {
  addMember,
  adminClient,
  bindAs,
  createGroup,
  createUser,
  devDirectory,
  devDomain,
  freshPassword,
  type OuKey,
  readAttribute,
  removeEntries,
  type TestUser,
} from '../testing/dev-domain.ts';
import type { ActiveDirectory } from './active-directory.ts';
import type { DirectoryUser } from './directory.ts';
import { POLICY_HINTS_OID, PolicyHintsControl } from './policy-hints.ts';

const facts = devDomain();
let admin: Client;
let directory: ActiveDirectory;
/** Sees the whole domain, to read back users created outside the delegated OUs. */
let wholeDomain: ActiveDirectory;
const created: string[] = [];

before(async () => {
  admin = await adminClient();
  directory = devDirectory();
  wholeDomain = devDirectory({ searchBases: [facts.baseDn] });
});

after(async () => {
  await removeEntries(admin, created.reverse());
  await admin.unbind();
  await directory.close();
  await wholeDomain.close();
});

/** A fresh user, read back through Latchkey's directory. */
async function newUser(ou: OuKey = 'staff', extra: Record<string, string> = {}): Promise<TestUser & { user: DirectoryUser }> {
  const test = await createUser(admin, ou, extra);
  created.push(test.dn);
  const user = await wholeDomain.findUser(test.sam);
  assert.ok(user, `the new user ${test.sam} is found`);
  return { ...test, user };
}

describe('the domain', () => {
  test('is discovered from the rootDSE and the partitions container', async () => {
    const info = await directory.domain();
    assert.equal(info.baseDn, facts.baseDn);
    assert.equal(info.netbiosDomain, facts.netbiosDomain);
    assert.equal(info.dnsDomain, facts.dnsDomain);
    assert.equal(info.domainSid, facts.domainSid);
  });

  test('Samba lists no password-policy-hints control, so none is used', async () => {
    assert.equal((await directory.domain()).policyHintsOid, null);
  });
});

describe('finding users', () => {
  test('by sAMAccountName, UPN, implicit UPN and DOMAIN\\name, in any case', async () => {
    const { sam, upn, dn } = await newUser();
    for (const typed of [sam, sam.toUpperCase(), upn, `${facts.netbiosDomain}\\${sam}`, `${facts.dnsDomain}\\${sam}`]) {
      assert.equal((await directory.findUser(typed))?.dn, dn, typed);
    }
    assert.equal((await directory.findUser(sam, facts.netbiosDomain.toLowerCase()))?.dn, dn, 'domain typed apart');
  });

  test('another domain, or an unknown name, finds nobody', async () => {
    const { sam } = await newUser();
    assert.equal(await directory.findUser(`OTHER\\${sam}`), null);
    assert.equal(await directory.findUser(sam, 'OTHER'), null);
    assert.equal(await directory.findUser(`${sam}@other.example`), null);
    assert.equal(await directory.findUser('no-such-user-here'), null);
  });

  test('only inside the configured search bases', async () => {
    const vendor = await newUser('vendors');
    assert.equal(await directory.findUser(vendor.sam), null, 'OU=Vendors is not a search base');
    assert.equal(await directory.findUser(facts.serviceAccount.sam), null, 'nor is OU=Service Accounts');
    assert.equal(await directory.getUser(vendor.user.guid), null, 'not by GUID either');
  });

  test('LDAP filter injection finds nobody', async () => {
    await newUser();
    for (const attack of ['*', '*)(sAMAccountName=*', 't-*', '*)(|(objectClass=*', 'x)(objectGUID=*', '\\2a', `${facts.netbiosDomain}\\*`, '*@latchkey.test']) {
      assert.equal(await directory.findUser(attack), null, attack);
    }
    assert.equal(await directory.getUser('*'), null);
  });

  test('by GUID, the stable key', async () => {
    const { user } = await newUser();
    const again = await directory.getUser(user.guid);
    assert.equal(again?.dn, user.dn);
    assert.equal(await directory.getUser('00000000-0000-0000-0000-000000000000'), null);
  });
});

describe('account state', () => {
  test('a new user: enabled, not locked, mail and mobile, a set password that expires', async () => {
    const { user, sam } = await newUser();
    assert.equal(user.samAccountName, sam);
    assert.equal(user.mail, `${sam}@${facts.dnsDomain}`);
    assert.equal(user.mobile, '+15550100999');
    assert.match(user.guid, /^[0-9a-f-]{36}$/);
    assert.match(user.sid, new RegExp(`^${facts.domainSid}-\\d+$`));
    assert.equal(user.state.enabled, true);
    assert.equal(user.state.lockedOut, false);
    assert.equal(user.state.mustChangePassword, false);
    assert.ok(user.state.passwordLastSet && Date.now() - user.state.passwordLastSet.getTime() < 5 * 60_000);
    // The domain's maximum password age is 90 days.
    const expires = user.state.passwordExpiresAt!.getTime() - user.state.passwordLastSet.getTime();
    assert.equal(Math.round(expires / 86_400_000), 90);
  });

  test('a disabled account reads as disabled and its bind says so', async () => {
    const { user, password } = await newUser('staff', { userAccountControl: String(0x200 | 0x2) });
    assert.equal(user.state.enabled, false);
    assert.deepEqual(await directory.verifyPassword(user, password), { ok: false, reason: 'disabled' });
  });
});

describe('verifying a password', () => {
  test('right, wrong and empty passwords', async () => {
    const { user, password } = await newUser();
    assert.deepEqual(await directory.verifyPassword(user, password), { ok: true });
    assert.deepEqual(await directory.verifyPassword(user, `${password}x`), { ok: false, reason: 'invalid-credentials' });
    // An empty password would be an anonymous bind, which succeeds; it must never count as right.
    assert.deepEqual(await directory.verifyPassword(user, ''), { ok: false, reason: 'invalid-credentials' });
  });

  test('five wrong passwords lock the account; unlock lets the right one bind again', async () => {
    const { user, password, sam } = await newUser();
    for (let i = 0; i < 5; i++) await directory.verifyPassword(user, 'Wrong-password-1');
    assert.deepEqual(await directory.verifyPassword(user, password), { ok: false, reason: 'locked' });
    const locked = await directory.findUser(sam);
    assert.equal(locked?.state.lockedOut, true);
    assert.ok(locked?.state.lockedOutSince);

    await directory.unlock(user);
    assert.deepEqual(await directory.verifyPassword(user, password), { ok: true });
    assert.equal((await directory.findUser(sam))?.state.lockedOut, false);
  });
});

describe('resetting a password as the service account', () => {
  test('the new password binds and the old one does not', async () => {
    const { user, password, dn } = await newUser();
    const next = freshPassword();
    await directory.resetPassword(user, next);
    assert.equal(await bindAs(dn, next), 'ok');
    assert.equal(await bindAs(dn, password), '52e');
  });

  test('with must-change, the next bind reports "must change password"', async () => {
    const { user, dn, sam } = await newUser();
    const next = freshPassword();
    await directory.resetPassword(user, next, { mustChange: true });
    assert.equal(await bindAs(dn, next), '773');
    assert.deepEqual(await directory.verifyPassword(user, next), { ok: false, reason: 'must-change' });
    assert.equal((await directory.findUser(sam))?.state.mustChangePassword, true);
  });

  test('a reset unlocks a locked account in the same write', async () => {
    const { user, dn } = await newUser();
    for (let i = 0; i < 5; i++) await bindAs(dn, 'Wrong-password-1');
    const next = freshPassword();
    await directory.resetPassword(user, next);
    assert.equal(await bindAs(dn, next), 'ok');
  });

  test('a password that breaks the policy gets the rule the DC named, and nothing changes', async () => {
    const { user, dn, password } = await newUser();
    const pwdLastSet = await readAttribute(admin, dn, 'pwdLastSet');
    const short = await rejectsWithCode(directory.resetPassword(user, 'Ab1!x'), 'LK_PASSWORD_TOO_SHORT');
    assert.match(short.message, /too short/);
    await rejectsWithCode(directory.resetPassword(user, 'alllowercaseletters'), 'LK_PASSWORD_TOO_SIMPLE');
    assert.equal(await bindAs(dn, password), 'ok');
    assert.equal(await readAttribute(admin, dn, 'pwdLastSet'), pwdLastSet);
  });

  test('the protected user is refused with insufficient rights, and nothing changes', async () => {
    const protectedUser = await directory.findUser(facts.protectedUser.sam);
    assert.ok(protectedUser);
    const error = await rejectsWithCode(directory.resetPassword(protectedUser, freshPassword()), 'LK_INSUFFICIENT_RIGHTS');
    assert.match(error.message, /Reset Password/);
    assert.equal(await bindAs(facts.protectedUser.dn, facts.userPassword), 'ok');
  });

  test('a user in an OU without delegation is refused, and nothing changes', async () => {
    const { user, dn, password } = await newUser('vendors');
    await rejectsWithCode(directory.resetPassword(user, freshPassword()), 'LK_INSUFFICIENT_RIGHTS');
    await rejectsWithCode(directory.unlock(user), 'LK_INSUFFICIENT_RIGHTS');
    await rejectsWithCode(directory.setMustChange(user, true), 'LK_INSUFFICIENT_RIGHTS');
    assert.equal(await bindAs(dn, password), 'ok');
  });

  test('the hints control matters: sent as critical to Samba, a reset fails', async () => {
    // Why the control is sent only when the rootDSE lists it: Samba rejects what it does not know.
    const { dn, password } = await newUser();
    await assert.rejects(
      admin.modify(dn, [], new PolicyHintsControl(POLICY_HINTS_OID)),
      (error: Error & { code?: number }) => error.code === 12, // unavailableCriticalExtension
    );
    assert.equal(await bindAs(dn, password), 'ok');
  });
});

describe('must change at next logon', () => {
  test('set and cleared', async () => {
    const { user, dn, password, sam } = await newUser();
    await directory.setMustChange(user, true);
    assert.equal(await bindAs(dn, password), '773');
    await directory.setMustChange(user, false);
    assert.equal(await bindAs(dn, password), 'ok');
    assert.equal((await directory.findUser(sam))?.state.mustChangePassword, false);
  });
});

describe('changing a password as the user', () => {
  test('with the right old password the new one binds', async () => {
    const { user, dn, password } = await newUser();
    const next = freshPassword();
    await directory.changePassword(user, password, next);
    assert.equal(await bindAs(dn, next), 'ok');
    assert.equal(await bindAs(dn, password), '52e');
  });

  test('a wrong old password is refused and the password is unchanged', async () => {
    const { user, dn, password } = await newUser();
    const next = freshPassword();
    await rejectsWithCode(directory.changePassword(user, 'Not-the-old-1', next), 'LK_INVALID_CREDENTIALS');
    await rejectsWithCode(directory.changePassword(user, '', next), 'LK_INVALID_CREDENTIALS');
    assert.equal(await bindAs(dn, password), 'ok');
    assert.equal(await bindAs(dn, next), '52e');
  });

  test('a user who must change (and so cannot bind) can still change', async () => {
    const { user, dn, password } = await newUser();
    await directory.setMustChange(user, true);
    const next = freshPassword();
    await directory.changePassword(user, password, next);
    assert.equal(await bindAs(dn, next), 'ok');
  });

  test('a password from the history is refused as recently used', async () => {
    const { user, dn, password } = await newUser();
    const next = freshPassword();
    await directory.changePassword(user, password, next);
    await rejectsWithCode(directory.changePassword(user, next, password), 'LK_PASSWORD_RECENTLY_USED');
    assert.equal(await bindAs(dn, next), 'ok');
  });

  test('under the strict fine-grained policy (minimum age 1 day) a change on the day of the last one is too soon', async () => {
    const { user, dn, password } = await newUser();
    await addMember(admin, facts.strictPasswordGroup, dn);
    const next = freshPassword();
    await rejectsWithCode(directory.changePassword(user, password, next), 'LK_PASSWORD_CHANGED_TOO_RECENTLY');
    assert.equal(await bindAs(dn, password), 'ok');
  });
});

describe('password policy', () => {
  test('the domain policy seeded by dev-ad', async () => {
    const policy = await directory.passwordPolicy();
    assert.equal(policy.source, 'domain');
    assert.equal(policy.minLength, 8);
    assert.equal(policy.complexity, true);
    assert.equal(policy.historyLength, 24);
    assert.equal(policy.lockoutThreshold, 5);
    assert.equal(policy.maxAgeMs, 90 * 86_400_000);
  });

  test('the domain policy is read from the DC once, however many ask within a minute', async () => {
    const reads: string[] = [];
    const counted = devDirectory({ onOperation: (operation) => reads.push(operation) });
    try {
      await Promise.all([counted.passwordPolicy(), counted.passwordPolicy()]);
      assert.equal((await counted.passwordPolicy()).minLength, 8);
      assert.equal(reads.filter((operation) => operation === 'read the password policy').length, 1);
    } finally {
      await counted.close();
    }
  });

  test("a PSO the service account may not read is named, and the domain's rules are given", async () => {
    const { user, dn } = await newUser();
    assert.equal((await directory.passwordPolicy(user)).unreadablePso, null);
    await addMember(admin, facts.strictPasswordGroup, dn);
    const policy = await directory.passwordPolicy(user);
    assert.equal(policy.source, 'domain');
    assert.equal(policy.unreadablePso, 'Latchkey Strict');
    assert.equal(policy.minLength, 8);
  });

  test('with the right to read it, the fine-grained policy is given', async () => {
    const { user, dn } = await newUser();
    await addMember(admin, facts.strictPasswordGroup, dn);
    const privileged = devDirectory({ bindDn: facts.admin.dn, bindPassword: facts.admin.password });
    try {
      const policy = await privileged.passwordPolicy(user);
      assert.equal(policy.source, 'fine-grained');
      assert.equal(policy.name, 'Latchkey Strict');
      assert.equal(policy.minLength, 12);
      assert.equal(policy.minAgeMs, 86_400_000);
      assert.equal(policy.lockoutThreshold, 3);
    } finally {
      await privileged.close();
    }
  });

  test("the DC's stated minimum length reaches the error", async () => {
    const { user, dn } = await newUser();
    await addMember(admin, facts.strictPasswordGroup, dn);
    const error = await rejectsWithCode(directory.resetPassword(user, 'Abcdef-123'), 'LK_PASSWORD_TOO_SHORT');
    assert.match(error.message, /at least 12 characters/);
  });
});

describe('protected accounts and groups', () => {
  test('the seeded admin is protected by adminCount and by nested membership', async () => {
    const it = await directory.findUser(facts.protectedUser.sam);
    assert.ok(it);
    const { protected: isProtected, reasons } = await directory.protection(it);
    assert.equal(isProtected, true);
    assert.ok(reasons.includes('adminCount is 1'), reasons.join());
    assert.ok(reasons.includes('member of Domain Admins'), reasons.join());
    // Domain Admins is itself a member of the builtin Administrators.
    assert.ok(reasons.includes('member of Administrators'), reasons.join());
  });

  test('an ordinary user is not protected', async () => {
    const { user } = await newUser();
    assert.deepEqual(await directory.protection(user), { protected: false, reasons: [] });
  });

  test('membership through a nested group counts, without adminCount', async () => {
    const { user, dn } = await newUser();
    const inner = await createGroup(admin, [dn]);
    created.push(inner);
    await addMember(admin, `CN=Account Operators,CN=Builtin,${facts.baseDn}`, inner);
    try {
      const { reasons } = await directory.protection(user);
      assert.deepEqual(reasons, ['member of Account Operators']);
    } finally {
      // Builtin groups outlive test users; leave them as they were.
      await admin.modify(
        `CN=Account Operators,CN=Builtin,${facts.baseDn}`,
        new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [inner] }) }),
      );
    }
  });

  test('a primary group of Domain Admins counts though it is not in memberOf', async () => {
    const { dn, sam } = await newUser();
    await addMember(admin, `CN=Domain Admins,CN=Users,${facts.baseDn}`, dn);
    await admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'primaryGroupID', values: ['512'] }) }));
    const again = await wholeDomain.findUser(sam);
    assert.ok(again);
    assert.ok(!again.memberOf.some((group) => group.startsWith('CN=Domain Admins')), 'the primary group is not in memberOf');
    const { reasons } = await directory.protection(again);
    assert.ok(reasons.includes('member of Domain Admins'), reasons.join());
  });

  test('groups are listed transitively, with direct memberships marked', async () => {
    const { user, dn } = await newUser();
    const inner = await createGroup(admin, [dn]);
    const outer = await createGroup(admin, [inner]);
    created.push(inner, outer);
    const again = (await directory.getUser(user.guid))!;
    const groups = await directory.groupsOf(again);
    const byDn = new Map(groups.map((group) => [group.dn.toLowerCase(), group]));
    assert.equal(byDn.get(inner.toLowerCase())?.direct, true);
    assert.equal(byDn.get(outer.toLowerCase())?.direct, false);
    const domainUsers = groups.find((group) => group.sid === `${facts.domainSid}-513`);
    assert.equal(domainUsers?.direct, true, 'the primary group is a direct membership');
  });
});
