/**
 * The doctor's service-account hygiene against the Samba domain of scripts/dev-ad, on accounts
 * and an OU made here (the shared svc-latchkey is never changed): "password never expires"
 * warns, an old password warns, "must change at next logon" fails, and a right granted beyond
 * the needed ones is listed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change, type Client } from 'ldapts';
import { loadConfig } from '../config/load.ts';
import { sidToString } from '../directory/ad-values.ts';
import { SdFlagsControl } from '../directory/sd-flags-control.ts';
import {
  ACCESS_ALLOWED_ACE_TYPE,
  ACCESS_ALLOWED_OBJECT_ACE_TYPE,
  type Ace,
  CONTAINER_INHERIT_ACE,
  encodeSecurityDescriptor,
  parseSecurityDescriptor,
  RIGHT_DS_READ_PROPERTY,
  RIGHT_DS_WRITE_PROPERTY,
} from '../directory/security-descriptor.ts';
import { adminClient, createGroup, createOu, createUser, devDomain, readAttribute, removeEntries, type TestUser } from '../testing/dev-domain.ts';
import { devDirectorySettings } from './demo.ts';
import { runDoctor } from './doctor.ts';

const facts = devDomain();
const DAY_MS = 86_400_000;
/** userAccountControl: a normal account (512) with "password never expires" (0x10000). */
const NEVER_EXPIRES = String(0x200 | 0x1_0000);
const MOBILE_GUID = 'f0f8ffa3-1191-11d0-a060-00aa006c33ed';
const MAIL_GUID = 'bf967961-0de6-11d0-a285-00aa003049e2';
/** The Personal Information property set (telephoneNumber, street address ...). */
const PERSONAL_INFORMATION_GUID = '77b5b886-944a-11d1-aebd-0000f80367c1';
const WRITE_DAC = 0x0004_0000;
let admin: Client;
const created: string[] = [];
const folders: string[] = [];

before(async () => {
  admin = await adminClient();
});

after(async () => {
  await removeEntries(admin, created.reverse());
  await admin.unbind();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** The doctor's lines with `user` as the service account, as if run at `now`. */
async function doctorAs(user: TestUser, now = Date.now()): Promise<{ lines: string[]; text: string; line(status: string, name: string): string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-hygiene-'));
  folders.push(dataDir);
  const directory = { ...devDirectorySettings(facts), bindDn: user.dn, bindPassword: user.password };
  const config = loadConfig({ env: {}, base: { dataDir, server: { behindTlsProxy: true }, directory } });
  const lines: string[] = [];
  await runDoctor(config, { env: {}, out: (line) => lines.push(line), now: () => now });
  return { lines, text: lines.join('\n'), line: (status, name) => lines.filter((line) => line.startsWith(`${status}  ${name.padEnd(10)}  `)) };
}

async function sidOf(dn: string): Promise<string> {
  const { searchEntries } = await admin.search(dn, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] });
  return sidToString(searchEntries[0]!.objectSid as Buffer);
}

/** Puts `aces` before the DACL the DC gave `dn`. */
async function grant(dn: string, aces: Ace[]): Promise<void> {
  const { searchEntries } = await admin.search(
    dn,
    { scope: 'base', attributes: ['nTSecurityDescriptor'], explicitBufferAttributes: ['nTSecurityDescriptor'] },
    new SdFlagsControl(),
  );
  const current = parseSecurityDescriptor(searchEntries[0]!.nTSecurityDescriptor as Buffer).dacl ?? [];
  const descriptor = encodeSecurityDescriptor({ dacl: [...aces, ...current] });
  await admin.modify(
    dn,
    new Change({ operation: 'replace', modification: new Attribute({ type: 'nTSecurityDescriptor', values: [descriptor] }) }),
    new SdFlagsControl(),
  );
}

function allow(sid: string, mask: number, objectType: string | null = null): Ace {
  const type = objectType ? ACCESS_ALLOWED_OBJECT_ACE_TYPE : ACCESS_ALLOWED_ACE_TYPE;
  return { type, kind: 'allow', flags: CONTAINER_INHERIT_ACE, mask, sid, objectType, inheritedObjectType: null };
}

describe('the password of the service account', () => {
  test('"password never expires" warns; a password set today passes; past the age limit warns; the logon rights are a note', async () => {
    const user = await createUser(admin, 'vendors', { userAccountControl: NEVER_EXPIRES });
    created.push(user.dn);
    const report = await doctorAs(user);
    const name = `${facts.netbiosDomain}\\${user.sam}`;
    assert.deepEqual(report.line('WARN', 'pwd-expiry'), [`WARN  pwd-expiry  ${name} has "password never expires" set: nothing makes its password change`]);
    assert.ok(report.lines.includes(`        Set-ADUser -Identity '${user.sam}' -PasswordNeverExpires $false`), report.text);
    assert.deepEqual(report.line('PASS', 'pwd-age'), [`PASS  pwd-age     ${name}'s password was set 0 days ago (at most 180)`]);
    assert.equal(report.line('PASS', 'rights').length, 1, report.text);
    assert.match(report.line('INFO', 'logon')[0]!, /"Deny log on locally" and "Deny log on through Remote Desktop Services" cannot be read over LDAP/);
    assert.ok(report.text.includes('Computer Configuration → Policies → Windows Settings → Security Settings → Local Policies → User Rights Assignment'));

    const later = await doctorAs(user, Date.now() + 200 * DAY_MS);
    assert.deepEqual(later.line('WARN', 'pwd-age'), [`WARN  pwd-age     ${name}'s password was set 200 days ago, more than 180`]);
  });

  test('an account whose password expires passes that line', async () => {
    const user = await createUser(admin, 'vendors');
    created.push(user.dn);
    const report = await doctorAs(user);
    assert.equal(report.line('PASS', 'pwd-expiry').length, 1, report.text);
  });

  test('"must change password at next logon" fails: the bind is refused (data 773), and the doctor says why', async () => {
    const user = await createUser(admin, 'vendors', { pwdLastSet: '0' });
    created.push(user.dn);
    const report = await doctorAs(user);
    assert.match(report.line('FAIL', 'service')[0]!, /LK_SERVICE_ACCOUNT_REJECTED/);
    assert.deepEqual(report.line('FAIL', 'pwd-age'), [`FAIL  pwd-age     ${user.dn} must change its password at next logon: AD refuses its bind (data 773)`]);
    assert.ok(report.lines.includes(`        Set-ADUser -Identity '${user.dn}' -ChangePasswordAtLogon $false`), report.text);
    assert.equal(report.line('SKIP', 'rights').length, 1);
    assert.equal(report.line('SKIP', 'pwd-age').length, 0, 'the password line is the failure, not skipped as well');
  });
});

describe('rights beyond the needed ones', () => {
  test('grants on an OU to the account and to a group it is in are listed; the needed ones and a profile attribute are not; gone with the OU', async () => {
    const user = await createUser(admin, 'vendors');
    created.push(user.dn);
    const group = await createGroup(admin, [user.dn]);
    created.push(group);
    const ou = await createOu(admin);
    created.unshift(ou);
    const [userSid, groupSid] = [await sidOf(user.dn), await sidOf(group)];
    await grant(ou, [
      allow(userSid, RIGHT_DS_READ_PROPERTY | RIGHT_DS_WRITE_PROPERTY, MAIL_GUID),
      allow(userSid, RIGHT_DS_READ_PROPERTY | RIGHT_DS_WRITE_PROPERTY, MOBILE_GUID),
      allow(groupSid, WRITE_DAC),
      allow(userSid, RIGHT_DS_WRITE_PROPERTY, PERSONAL_INFORMATION_GUID),
    ]);
    const name = `${facts.netbiosDomain}\\${user.sam}`;
    const groupName = `${facts.netbiosDomain}\\${await readAttribute(admin, group, 'sAMAccountName')}`;
    const report = await doctorAs(user);
    assert.match(report.line('WARN', 'rights')[0]!, new RegExp(`${name.replace('\\', '\\\\')} holds 3 right\\(s\\) beyond`), report.text);
    assert.ok(report.lines.includes(`      ${ou}: WP on mail for ${name}`), report.text);
    assert.ok(report.lines.includes(`      ${ou}: WD on everything for ${groupName}`), report.text);
    assert.ok(report.lines.includes(`      ${ou}: WP on Personal Information for ${name}`), 'a property set, named as AD names it');
    assert.ok(!report.text.includes('on mobile'), 'mobile is an editable profile attribute');
    assert.ok(report.lines.includes(`        dsacls "${ou}" /R "${name}"`), report.text);
    assert.ok(report.lines.includes(`        dsacls "${ou}" /R "${groupName}"`), report.text);

    await removeEntries(admin, [ou]);
    const cleaned = await doctorAs(user);
    assert.equal(cleaned.line('PASS', 'rights').length, 1, cleaned.text);
  });
});
