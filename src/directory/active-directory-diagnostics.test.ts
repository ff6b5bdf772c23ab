/**
 * ActiveDirectory's diagnostics (what `latchkey doctor` reads) against the Samba domain of
 * scripts/dev-ad, and the delegation evaluator held against the DC's own answers: on OUs built
 * here with hand-made ACLs (deny first, allow), what the evaluator concludes from the DACL is
 * what the DC computes (allowedAttributesEffective) and enforces (a reset tried in the test).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { Attribute, Change, type Client } from 'ldapts';
import { rejectsWithCode } from '../testing/assertions.ts';
import { addMember, adminClient, createGroup, createUser, devDirectory, devDomain, freshPassword, removeEntries } from '../testing/dev-domain.ts';
import type { ActiveDirectory } from './active-directory.ts';
import {
  assessDelegation,
  inheritedAccess,
  LOCKOUT_TIME_GUID,
  PWD_LAST_SET_GUID,
  REQUIRED_RIGHTS,
  RESET_PASSWORD_GUID,
  tokenSids,
  USER_CLASS_GUID,
} from './delegation.ts';
import type { DirectoryDiagnostics } from './diagnostics.ts';
import type { DirectoryUser } from './directory.ts';
import { SdFlagsControl } from './sd-flags-control.ts';
import {
  ACCESS_ALLOWED_OBJECT_ACE_TYPE,
  ACCESS_DENIED_OBJECT_ACE_TYPE,
  type Ace,
  CONTAINER_INHERIT_ACE,
  encodeSecurityDescriptor,
  INHERIT_ONLY_ACE,
  parseSecurityDescriptor,
  RIGHT_DS_CONTROL_ACCESS,
  RIGHT_DS_READ_PROPERTY,
  RIGHT_DS_WRITE_PROPERTY,
} from './security-descriptor.ts';
import { peerCertificate } from './tls.ts';

const facts = devDomain();
let admin: Client;
let service: ActiveDirectory;
/** The diagnostics of `service`, on its connection. */
let diagnostics: DirectoryDiagnostics;
let serviceUser: DirectoryUser;
const created: string[] = [];
const directories: ActiveDirectory[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'latchkey-diagnostics-'));

before(async () => {
  admin = await adminClient();
  service = directory();
  diagnostics = service.diagnostics();
  const found = await diagnostics.serviceAccount();
  assert.ok(found, 'the service account finds itself');
  serviceUser = found;
});

after(async () => {
  for (const opened of directories) await opened.close();
  // Users before the OUs and groups that hold them.
  await removeEntries(admin, created.reverse());
  await admin.unbind();
  rmSync(scratch, { recursive: true, force: true });
});

/** A dev-domain directory, closed after the tests. */
function directory(...args: Parameters<typeof devDirectory>): ActiveDirectory {
  const made = devDirectory(...args);
  directories.push(made);
  return made;
}

/** The service account's token, as the doctor builds it. */
async function serviceToken(): Promise<Set<string>> {
  return tokenSids(serviceUser.sid, await diagnostics.tokenGroups(serviceUser));
}

/** The DACL of `dn` as the service account reads it. */
async function dacl(dn: string): Promise<Ace[] | null> {
  const bytes = await diagnostics.securityDescriptor(dn);
  assert.ok(bytes, `the service account reads the DACL of ${dn}`);
  return parseSecurityDescriptor(bytes).dacl;
}

describe('checkServer', () => {
  test('connects to the DC with the configured CA, over LDAPS and StartTLS', async () => {
    await diagnostics.checkServer(facts.url);
    await directory({ urls: [facts.startTlsUrl] })
      .diagnostics()
      .checkServer(facts.startTlsUrl);
  });

  test('refuses a certificate the configured CA did not issue, with LK_DIRECTORY_TLS', async () => {
    const otherCa = join(scratch, 'other-ca.pem');
    writeFileSync(otherCa, rootCertificates[0]!);
    await rejectsWithCode(
      directory({ trust: { caFile: otherCa } })
        .diagnostics()
        .checkServer(facts.url),
      'LK_DIRECTORY_TLS',
    );
  });

  test('accepts the pinned fingerprint and refuses another', async () => {
    const { fingerprint } = await peerCertificate(facts.url);
    await directory({ trust: { fingerprint } }).diagnostics().checkServer(facts.url);
    await rejectsWithCode(
      directory({ trust: { fingerprint: 'AB'.repeat(32) } })
        .diagnostics()
        .checkServer(facts.url),
      'LK_DIRECTORY_TLS',
    );
  });

  test('names a DC that does not answer as unreachable', async () => {
    await rejectsWithCode(diagnostics.checkServer('ldaps://127.0.0.1:1'), 'LK_DIRECTORY_UNREACHABLE');
  });
});

describe('serviceAccount and tokenGroups', () => {
  test('the bind name is found in any of its forms, outside the search bases', async () => {
    for (const bindDn of [facts.serviceAccount.dn, facts.serviceAccount.upn, `${facts.netbiosDomain}\\${facts.serviceAccount.sam}`]) {
      const found = await directory({ bindDn }).diagnostics().serviceAccount();
      assert.equal(found?.sid, facts.serviceAccount.sid, bindDn);
    }
  });

  test('tokenGroups holds the primary group and nested groups, as SIDs', async () => {
    const user = await createUser(admin, 'vendors');
    created.push(user.dn);
    const inner = await createGroup(admin, [user.dn]);
    const outer = await createGroup(admin, [inner]);
    created.push(inner, outer);
    const account = await directory({ bindDn: user.dn, bindPassword: user.password }).diagnostics().serviceAccount();
    assert.ok(account);
    const groups = await diagnostics.tokenGroups(account);
    assert.ok(groups.includes(`${facts.domainSid}-513`), 'Domain Users, the primary group');
    const sidOf = async (dn: string) => (await directory({ searchBases: [facts.baseDn] }).groupsOf(account)).find((group) => group.dn === dn)?.sid;
    assert.ok(groups.includes((await sidOf(inner))!), 'the direct group');
    assert.ok(groups.includes((await sidOf(outer))!), 'the group around it');
  });
});

describe('the delegation as seeded', () => {
  test('svc-latchkey effectively holds the three rights on OU=Staff and OU=Contractors', async () => {
    const sids = await serviceToken();
    for (const ou of facts.delegatedOus) {
      const sample = await diagnostics.writableAttributes(ou);
      assert.ok(sample, `a user in ${ou}`);
      assert.ok(sample.dn.endsWith(ou), `a user in ${ou}`);
      assert.ok(sample.attributes.includes('lockoutTime') && sample.attributes.includes('pwdLastSet'), sample.attributes.join());
      assert.equal(sample.lockoutCountReadable, true, `badPwdCount readable in ${ou}`);
      const findings = assessDelegation({ dacl: await dacl(ou), sample: { dn: sample.dn, writable: sample.attributes } }, sids);
      assert.deepEqual(
        findings.map((finding) => finding.state),
        ['granted', 'granted', 'granted'],
        ou,
      );
    }
  });

  test('OU=Vendors gives it none of them, and hides badPwdCount from it', async () => {
    const sids = await serviceToken();
    const sample = await diagnostics.writableAttributes(facts.ous.vendors);
    assert.ok(sample);
    const findings = assessDelegation({ dacl: await dacl(facts.ous.vendors), sample: { dn: sample.dn, writable: sample.attributes } }, sids);
    assert.deepEqual(
      findings.map((finding) => finding.state),
      ['missing', 'missing', 'missing'],
    );
    assert.equal(sample.lockoutCountReadable, false, 'dev-ad denies it reading badPwdCount there');
  });

  test('a fresh account holds none of them on the delegated OUs', async () => {
    const user = await createUser(admin, 'vendors');
    created.push(user.dn);
    const fresh = directory({ bindDn: user.dn, bindPassword: user.password }).diagnostics();
    const account = (await fresh.serviceAccount())!;
    const sids = tokenSids(account.sid, await fresh.tokenGroups(account));
    for (const ou of facts.delegatedOus) {
      const bytes = await fresh.securityDescriptor(ou);
      assert.ok(bytes, 'any authenticated account reads the DACL of an OU');
      const sample = await fresh.writableAttributes(ou);
      const findings = assessDelegation({ dacl: parseSecurityDescriptor(bytes).dacl, sample: sample && { dn: sample.dn, writable: sample.attributes } }, sids);
      assert.deepEqual(
        findings.map((finding) => finding.state),
        ['missing', 'missing', 'missing'],
        ou,
      );
    }
  });

  test('a search base that does not exist is LK_USER_NOT_FOUND (noSuchObject)', async () => {
    await rejectsWithCode(diagnostics.securityDescriptor(`OU=Nowhere,${facts.baseDn}`), 'LK_USER_NOT_FOUND');
  });
});

/** A throwaway OU, optionally with `aces` put before the ACEs the DC gave it. */
async function scratchOu(aces: Omit<Ace, 'kind'>[] = []): Promise<string> {
  const ou = `OU=lk-doctor-${randomBytes(4).toString('hex')},${facts.baseDn}`;
  await admin.add(ou, [new Attribute({ type: 'objectClass', values: ['top', 'organizationalUnit'] })]);
  created.unshift(ou); // removed last, after what is created in it
  if (aces.length) {
    const { searchEntries } = await admin.search(
      ou,
      { scope: 'base', attributes: ['nTSecurityDescriptor'], explicitBufferAttributes: ['nTSecurityDescriptor'] },
      new SdFlagsControl(),
    );
    const current = parseSecurityDescriptor(searchEntries[0]!.nTSecurityDescriptor as Buffer).dacl ?? [];
    const descriptor = encodeSecurityDescriptor({ dacl: [...aces, ...current] });
    await admin.modify(
      ou,
      new Change({ operation: 'replace', modification: new Attribute({ type: 'nTSecurityDescriptor', values: [descriptor] }) }),
      new SdFlagsControl(),
    );
  }
  return ou;
}

/** A user in `ou` (created after the OU's ACL, so that it inherits it), as the service account reads it there. */
async function userIn(ou: string, extra: Attribute[] = []): Promise<DirectoryUser> {
  const sam = `t-${randomBytes(5).toString('hex')}`;
  const dn = `CN=${sam},${ou}`;
  await admin.add(dn, [
    new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
    new Attribute({ type: 'sAMAccountName', values: [sam] }),
    ...extra,
  ]);
  created.push(dn);
  const user = await directory({ searchBases: [ou] }).findUser(sam);
  assert.ok(user, `${sam} is found in ${ou}`);
  return user;
}

/** An object ACE for svc-latchkey as dsacls /I:S makes them: inherited by user objects only. */
function forService(kind: 'allow' | 'deny', mask: number, objectType: string): Omit<Ace, 'kind'> {
  return {
    type: kind === 'allow' ? ACCESS_ALLOWED_OBJECT_ACE_TYPE : ACCESS_DENIED_OBJECT_ACE_TYPE,
    flags: CONTAINER_INHERIT_ACE | INHERIT_ONLY_ACE,
    mask,
    sid: facts.serviceAccount.sid,
    objectType,
    inheritedObjectType: USER_CLASS_GUID,
  };
}

const RPWP = RIGHT_DS_READ_PROPERTY | RIGHT_DS_WRITE_PROPERTY;
const [RESET, LOCKOUT, PWD_LAST_SET] = REQUIRED_RIGHTS as [(typeof REQUIRED_RIGHTS)[0], (typeof REQUIRED_RIGHTS)[0], (typeof REQUIRED_RIGHTS)[0]];

describe('the evaluator agrees with the DC', () => {
  test('an explicit deny before the allows: the DC computes and enforces what the evaluator reads', async () => {
    const ou = await scratchOu([
      forService('deny', RIGHT_DS_WRITE_PROPERTY, LOCKOUT_TIME_GUID),
      forService('deny', RIGHT_DS_CONTROL_ACCESS, RESET_PASSWORD_GUID),
      forService('allow', RIGHT_DS_CONTROL_ACCESS, RESET_PASSWORD_GUID),
      forService('allow', RPWP, LOCKOUT_TIME_GUID),
      forService('allow', RPWP, PWD_LAST_SET_GUID),
    ]);
    const sids = await serviceToken();
    const ouDacl = await dacl(ou);
    assert.deepEqual(
      [RESET, LOCKOUT, PWD_LAST_SET].map((right) => inheritedAccess(ouDacl, sids, right).granted),
      [false, false, true],
    );

    const user = await userIn(ou);
    const sample = await diagnostics.writableAttributes(ou);
    assert.equal(sample?.dn, user.dn);
    assert.deepEqual(
      sample.attributes.filter((name) => ['lockoutTime', 'pwdLastSet'].includes(name)),
      ['pwdLastSet'],
      'the DC agrees on both attributes',
    );
    // The test, unlike the doctor, tries: the DC refuses the reset and allows the pwdLastSet write.
    await rejectsWithCode(service.resetPassword(user, freshPassword(), { unlock: false }), 'LK_INSUFFICIENT_RIGHTS');
    await service.setMustChange(user, true);
  });

  test('the three delegated allows alone: the reset the evaluator grants goes through', async () => {
    const ou = await scratchOu([
      forService('allow', RIGHT_DS_CONTROL_ACCESS, RESET_PASSWORD_GUID),
      forService('allow', RPWP, LOCKOUT_TIME_GUID),
      forService('allow', RPWP, PWD_LAST_SET_GUID),
    ]);
    const sids = await serviceToken();
    const findings = assessDelegation({ dacl: await dacl(ou), sample: null }, sids);
    assert.deepEqual(
      findings.map((finding) => finding.state),
      ['granted', 'granted', 'granted'],
      'judged from the DACL alone: the OU holds no user yet',
    );
    const user = await userIn(ou);
    await service.resetPassword(user, freshPassword(), { mustChange: true });
  });

  test('an OU with only a protected user (adminCount = 1) gives no sample: its ACL would mislead', async () => {
    const ou = await scratchOu();
    await userIn(ou, [new Attribute({ type: 'adminCount', values: ['1'] })]);
    assert.equal(await diagnostics.writableAttributes(ou), null);
    await userIn(ou);
    assert.ok(await diagnostics.writableAttributes(ou));
  });
});

describe('a Domain Admins member as the service account', () => {
  test('is found privileged through protection(), as the doctor asks', async () => {
    const user = await createUser(admin, 'vendors');
    created.push(user.dn);
    await addMember(admin, `CN=Domain Admins,CN=Users,${facts.baseDn}`, user.dn);
    const privileged = directory({ bindDn: user.dn, bindPassword: user.password });
    const account = (await privileged.diagnostics().serviceAccount())!;
    const { reasons } = await privileged.protection(account);
    assert.ok(reasons.includes('member of Domain Admins'), reasons.join());
    assert.ok((await privileged.diagnostics().tokenGroups(account)).includes(`${facts.domainSid}-512`));
    // Removed from the group before the user is deleted, so Domain Admins is left as it was.
    await admin.modify(
      `CN=Domain Admins,CN=Users,${facts.baseDn}`,
      new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [user.dn] }) }),
    );
  });
});
