/**
 * `latchkey doctor` end to end, against the Samba domain of scripts/dev-ad: a healthy set-up
 * passes; an account without the delegation, a Domain Admin, an undelegated OU, a CA that did
 * not issue the DC certificate and a master key that is not the database's each fail, saying
 * what to do.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { Attribute, Change, type Client } from 'ldapts';
import { createApp } from '../app.ts';
import { loadConfig } from '../config/load.ts';
import { masterKeyFile } from '../config/paths.ts';
import type { Config } from '../config/schema.ts';
import { peerCertificate } from '../directory/tls.ts';
import { startOutbox } from '../notify/outbox.ts';
import { addMember, adminClient, createGroup, createUser, devDomain, removeEntries } from '../testing/dev-domain.ts';
import { startTwilioFake } from '../testing/twilio-fake.ts';
import { devDirectorySettings } from './demo.ts';
import { CERTIFICATE_WARN_DAYS, expiryStatus, formatResult, runDoctor } from './doctor.ts';

const facts = devDomain();
const DAY_MS = 86_400_000;
let admin: Client;
const users: string[] = [];
const folders: string[] = [];

before(async () => {
  admin = await adminClient();
});

after(async () => {
  await removeEntries(admin, users);
  await admin.unbind();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A config for the dev domain in a fresh data folder; `directory` overrides its directory settings. */
function configFor(directory: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-doctor-'));
  folders.push(dataDir);
  // Plain HTTP behind a proxy: a healthy installation needs that or a web certificate (see init.test.ts).
  return loadConfig({ env: {}, base: { dataDir, server: { behindTlsProxy: true }, directory: { ...devDirectorySettings(facts), ...directory }, ...extra } });
}

interface Report {
  code: number;
  lines: string[];
  text: string;
  /** The first line of each check, by status and name. */
  line(status: string, name: string): string[];
}

async function doctor(config: Config, env: NodeJS.ProcessEnv = {}): Promise<Report> {
  const lines: string[] = [];
  const code = await runDoctor(config, { env, out: (line) => lines.push(line) });
  return {
    code,
    lines,
    text: lines.join('\n'),
    line: (status, name) => lines.filter((line) => line.startsWith(`${status}  ${name.padEnd(10)}  `)),
  };
}

/** The three dsacls lines of the delegation for `ou` and `account` (DOMAIN\name). */
function dsacls(ou: string, account: string): string[] {
  return ['CA;Reset Password;user', 'RPWP;lockoutTime;user', 'RPWP;pwdLastSet;user'].map((grant) => `dsacls "${ou}" /I:S /G "${account}:${grant}"`);
}

/** A running app made the settings, then closed: the database holds them, encrypted. */
async function installed(config: Config): Promise<Config> {
  await (await createApp(config, { logger: false, env: {} })).close();
  return config;
}

describe('the groups that grant power', () => {
  test('an admin group name that finds several groups fails, naming each; an unknown helpdesk group warns', async () => {
    const name = `Doctor Twins ${Date.now().toString(36)}`;
    const first = await createGroup(admin, [], { name, container: facts.ous.groups });
    const second = await createGroup(admin, [], { name, container: facts.ous.staff });
    users.push(first, second);
    const config = configFor({}, { admin: { group: name }, helpdesk: { groups: [{ group: 'No Such Helpdesk Group', scopes: [facts.ous.staff] }] } });
    const report = await doctor(config);
    assert.equal(report.code, 1, report.text);
    assert.equal(report.line('FAIL', 'groups').length, 1, report.text);
    assert.ok(
      report.lines.some((line) => line.includes(`admin group ${JSON.stringify(name)}`) && line.includes(first) && line.includes(second)),
      report.text,
    );
    assert.ok(
      report.lines.some((line) => line.includes('helpdesk group "No Such Helpdesk Group"') && /No group/.test(line)),
      report.text,
    );
  });

  test('the password-policy and factor-policy groups are looked up too: one that finds a group passes, an unknown or ambiguous one warns', async () => {
    const name = `Doctor Policy Twins ${Date.now().toString(36)}`;
    const first = await createGroup(admin, [], { name, container: facts.ous.groups });
    const second = await createGroup(admin, [], { name, container: facts.ous.staff });
    users.push(first, second);
    const config = configFor(
      {},
      {
        passwordPolicy: {
          groups: [
            { group: facts.helpdesk.group, minLength: 14 },
            { group: 'No Such Policy Group', minLength: 20 },
          ],
        },
        factors: { groups: [{ group: name, reset: [{ need: 2, of: ['questions', 'code'] }] }] },
      },
    );
    const report = await doctor(config);
    assert.equal(report.line('WARN', 'groups').length, 1, report.text);
    assert.match(report.line('WARN', 'groups')[0]!, /a group setting does not name exactly one group/);
    assert.ok(
      report.lines.some((line) => line.startsWith(`      password-policy group ${JSON.stringify(facts.helpdesk.group)}: CN=`)),
      report.text,
    );
    assert.ok(
      report.lines.some((line) => line.includes('password-policy group "No Such Policy Group"') && /No group/.test(line)),
      report.text,
    );
    assert.ok(
      report.lines.some((line) => line.includes(`factor-policy group ${JSON.stringify(name)}`) && line.includes(first) && line.includes(second)),
      report.text,
    );
    assert.equal(report.line('FAIL', 'groups').length, 0, 'a policy group that names no group is a warning, not a failure');
  });
});

describe('a healthy installation', () => {
  test('passes every check that matters: exit 0, the delegation verified on both OUs, SMTP unconfigured only a warning', async () => {
    const report = await doctor(await installed(configFor()));
    assert.equal(report.code, 0, report.text);
    assert.deepEqual(
      report.lines.filter((line) => /^[A-Z]{4} {2}/.test(line)).map((line) => line.slice(6, 16).trim()),
      [
        'config',
        'web',
        'breached',
        'database',
        'master-key',
        'settings',
        'directory',
        'service',
        'privileges',
        'delegation',
        'lockout',
        'delegation',
        'lockout',
        'protected',
        'pwd-expiry',
        'pwd-age',
        'rights',
        'logon',
        'groups',
        'policy',
        'smtp',
        'sms',
      ],
    );
    assert.match(report.line('PASS', 'groups')[0]!, /each names exactly one group/);
    assert.ok(
      report.lines.some((line) => line.startsWith('      admin group "') && line.endsWith(`: ${facts.admins.group}`)),
      report.text,
    );
    assert.equal(report.lines.filter((line) => line.startsWith('FAIL')).length, 0, report.text);
    assert.match(report.line('PASS', 'master-key')[0]!, /decrypts all [1-9]\d* stored secrets/);
    assert.match(report.line('PASS', 'settings')[0]!, /from the database/);
    const { fingerprint } = await peerCertificate(facts.url);
    assert.match(report.line('PASS', 'directory')[0]!, /ldaps:\/\/127\.0\.0\.1:636 trusted \(CN=dc1\.latchkey\.test, \d+ days left\)/);
    assert.ok(report.lines.includes(`      SHA-256 fingerprint: ${fingerprint}`));
    assert.ok(report.lines.some((line) => line.startsWith('      names: ') && line.includes('IP Address:127.0.0.1')));
    assert.match(report.line('PASS', 'privileges')[0]!, /LATCHKEY\\svc-latchkey is in no privileged group/);
    for (const ou of facts.delegatedOus) {
      assert.deepEqual(
        report.line('PASS', 'delegation').filter((line) => line.includes(ou)),
        [`PASS  delegation  ${ou}: LATCHKEY\\svc-latchkey holds Reset Password, Write lockoutTime, Write pwdLastSet`],
      );
      assert.deepEqual(report.line('PASS', 'lockout').filter((line) => line.includes(ou)).length, 1, `badPwdCount readable in ${ou}`);
    }
    assert.ok(!report.text.includes('dsacls'), 'no fix is offered when nothing is missing');
    assert.match(report.line('PASS', 'protected')[0]!, /privileged \(AdminSDHolder-protected\) accounts may not use the portal: not checked/);
    assert.match(report.line('PASS', 'rights')[0]!, /LATCHKEY\\svc-latchkey holds no right beyond the ones Latchkey uses \(\d+ containers read\)/);
    assert.equal(report.line('WARN', 'policy').length, 1, 'Samba lists no policy-hints control');
    assert.equal(report.line('WARN', 'smtp').length, 1);
    assert.equal(report.line('WARN', 'sms').length, 1);
  });

  test('a mail server and an SMS gateway that answer pass (SMTP without encryption only with a warning), and no message is sent', async () => {
    const outbox = await startOutbox();
    const twilio = await startTwilioFake();
    try {
      const config = configFor(
        {},
        {
          smtp: { host: '127.0.0.1', port: outbox.port, security: 'none', from: 'doctor@latchkey.test' },
          sms: { provider: 'twilio', accountSid: twilio.accountSid, authToken: twilio.authToken, from: '+15550000000', apiBase: twilio.apiBase },
        },
      );
      const report = await doctor(config);
      assert.equal(report.code, 0, report.text);
      // The test outbox speaks no TLS: security none, which the doctor warns about.
      assert.match(
        report.line('WARN', 'smtp')[0]!,
        new RegExp(`127\\.0\\.0\\.1:${outbox.port} answers \\(none\\), unencrypted: codes and notices cross the network readable`),
      );
      assert.match(report.text, /fix: set security to starttls \(port 587\) or tls \(port 465\)/);
      assert.match(report.line('PASS', 'sms')[0]!, /twilio gateway http:\/\/127\.0\.0\.1:\d+ answers .*no message was sent/);
      assert.equal(outbox.messages().length, 0);
      assert.equal(twilio.sent.length, 0);
    } finally {
      await outbox.close();
      await twilio.close();
    }
  });
});

describe('the delegation', () => {
  test('an account without the rights fails on each OU, with the dsacls lines for that OU and account', async () => {
    const user = await createUser(admin, 'vendors');
    users.push(user.dn);
    const report = await doctor(configFor({ bindDn: user.dn, bindPassword: user.password }));
    assert.equal(report.code, 1);
    assert.equal(report.line('PASS', 'privileges').length, 1, 'an ordinary account is not privileged');
    const account = `${facts.netbiosDomain}\\${user.sam}`;
    for (const ou of facts.delegatedOus) {
      assert.deepEqual(
        report.line('FAIL', 'delegation').filter((line) => line.includes(ou)),
        [`FAIL  delegation  ${ou}: ${account} lacks Reset Password, Write lockoutTime, Write pwdLastSet`],
      );
      for (const command of dsacls(ou, account)) assert.ok(report.lines.includes(`          ${command}`), `${command}\n${report.text}`);
      assert.ok(report.lines.includes(`          $ou = 'AD:\\${ou}'`), 'and the PowerShell equivalent');
    }
    assert.ok(report.lines.includes(`          $sid = (Get-ADUser -Identity '${user.sam}').SID`));
  });

  test('OU=Vendors as a search base fails all three rights for svc-latchkey, and warns that badPwdCount is hidden', async () => {
    const report = await doctor(configFor({ searchBases: [facts.ous.vendors] }));
    assert.equal(report.code, 1);
    assert.deepEqual(report.line('FAIL', 'delegation'), [
      `FAIL  delegation  ${facts.ous.vendors}: LATCHKEY\\svc-latchkey lacks Reset Password, Write lockoutTime, Write pwdLastSet`,
    ]);
    assert.ok(report.lines.includes("      Reset Password: missing (no ACE of the OU's DACL grants it to the account or its groups)"), report.text);
    for (const command of dsacls(facts.ous.vendors, 'LATCHKEY\\svc-latchkey')) assert.ok(report.lines.includes(`          ${command}`), command);
    const [lockout] = report.line('WARN', 'lockout');
    assert.match(lockout!, /OU=Vendors.*: LATCHKEY\\svc-latchkey cannot read badPwdCount of CN=/, report.text);
    assert.ok(
      report.lines.some((line) => line.trim() === `dsacls "${facts.ous.vendors}" /I:S /G "LATCHKEY\\svc-latchkey:RP;badPwdCount;user"`),
      report.text,
    );
  });
});

describe('a privileged service account', () => {
  test('Administrator (a Domain Admins member) fails loudly, saying why', async () => {
    const report = await doctor(configFor({ bindDn: facts.admin.dn, bindPassword: facts.admin.password }));
    assert.equal(report.code, 1);
    const [failure] = report.line('FAIL', 'privileges');
    assert.match(failure!, /LATCHKEY\\Administrator is a PRIVILEGED account: .*member of Domain Admins/);
    const details = report.lines.slice(report.lines.indexOf(failure!) + 1);
    assert.match(details[0]!, /^ {6}A service account in Domain Admins gives the portal far more power than it needs/);
    assert.ok(details.some((line) => line.includes('Remove the service account from the Domain Admins')));
    assert.ok(details.includes(`        Remove-ADGroupMember -Identity 'CN=Domain Admins,CN=Users,${facts.baseDn}' -Members 'Administrator' -Confirm:$false`));
    assert.ok(details.includes(`          ${dsacls(facts.ous.staff, 'LATCHKEY\\Administrator')[0]}`), 'then the three rights to delegate instead');
    assert.ok(
      report.lines.some((line) => /^ {6}\d+ through Domain Admins, a privileged group: take the account out of it/.test(line)),
      report.text,
    );
    assert.ok(!report.text.includes('/R "LATCHKEY\\Domain Admins"'), "the fix is to leave the group, never to strip the group's own rights");
  });
});

describe('privilege through the primary group or nesting', () => {
  test('Domain Admins as the primary group fails, with the primary group changed before the removal', async () => {
    const user = await createUser(admin, 'vendors');
    users.push(user.dn);
    const domainAdmins = `CN=Domain Admins,CN=Users,${facts.baseDn}`;
    await addMember(admin, domainAdmins, user.dn);
    await admin.modify(user.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'primaryGroupID', values: ['512'] }) }));
    // The primary group is not in memberOf (the old one, Domain Users, now is): only primaryGroupID makes it privileged.
    const { searchEntries } = await admin.search(user.dn, { scope: 'base', attributes: ['memberOf'] });
    assert.deepEqual([searchEntries[0]?.memberOf].flat(), [`CN=Domain Users,CN=Users,${facts.baseDn}`]);
    const report = await doctor(configFor({ bindDn: user.dn, bindPassword: user.password }));
    assert.match(report.line('FAIL', 'privileges')[0]!, /PRIVILEGED account: .*member of Domain Admins/);
    const primary = report.lines.indexOf(`        Set-ADUser -Identity '${user.sam}' -Replace @{primaryGroupID=513}  # Domain Users instead of Domain Admins`);
    const remove = report.lines.indexOf(`        Remove-ADGroupMember -Identity '${domainAdmins}' -Members '${user.sam}' -Confirm:$false`);
    assert.ok(primary > 0 && remove > primary, report.text);
  });

  test('membership through a nested group fails too', async () => {
    const user = await createUser(admin, 'vendors');
    users.push(user.dn);
    const group = await createGroup(admin, [user.dn]);
    users.push(group);
    await addMember(admin, `CN=Account Operators,CN=Builtin,${facts.baseDn}`, group);
    const report = await doctor(configFor({ bindDn: user.dn, bindPassword: user.password }));
    assert.match(report.line('FAIL', 'privileges')[0]!, /member of Account Operators/);
    assert.ok(report.lines.includes('        (every membership is through nested groups: remove it from the group that nests it)'), report.text);
  });
});

describe('the DC certificate', () => {
  test('a CA that did not issue it fails the DC check, showing the fingerprint to pin', async () => {
    const caFile = join(mkdtempSync(join(tmpdir(), 'latchkey-ca-')), 'other-ca.pem');
    folders.push(join(caFile, '..'));
    writeFileSync(caFile, rootCertificates[0]!);
    const report = await doctor(configFor({ caFile }));
    assert.equal(report.code, 1);
    const { fingerprint } = await peerCertificate(facts.url);
    assert.match(report.line('FAIL', 'directory')[0]!, /ldaps:\/\/127\.0\.0\.1:636 certificate not trusted: /);
    assert.ok(report.lines.includes(`      The authenticity of ${facts.url} can't be established.`));
    assert.ok(report.lines.includes(`      SHA-256 fingerprint: ${fingerprint}`));
    assert.ok(
      report.lines.some((line) => line.includes('pin the certificate') && line.endsWith(`= ${fingerprint}`)),
      report.text,
    );
    assert.equal(report.line('SKIP', 'service').length, 1, 'nothing is sent to a DC that is not trusted');
  });

  test('the pinned fingerprint instead of a CA passes', async () => {
    const { fingerprint } = await peerCertificate(facts.url);
    const report = await doctor(configFor({ caFile: undefined, fingerprint }));
    assert.equal(report.line('PASS', 'directory').length, 1, report.text);
    assert.equal(report.code, 0, report.text);
  });

  test('expiry: expired fails, under 30 days warns', () => {
    const now = Date.UTC(2030, 0, 1);
    assert.deepEqual(expiryStatus(new Date(now + 400 * DAY_MS), now), { status: 'PASS', daysLeft: 400 });
    assert.deepEqual(expiryStatus(new Date(now + CERTIFICATE_WARN_DAYS * DAY_MS), now), { status: 'PASS', daysLeft: 30 });
    assert.deepEqual(expiryStatus(new Date(now + 29 * DAY_MS + 1), now), { status: 'WARN', daysLeft: 29 });
    assert.equal(expiryStatus(new Date(now - 1), now).status, 'FAIL');
  });
});

describe('the master key', () => {
  test('a database whose secrets were encrypted with another key fails clearly, and nothing is checked with secrets it cannot read', async () => {
    const config = await installed(configFor());
    writeFileSync(masterKeyFile(config), `${randomBytes(32).toString('base64')}\n`);
    const report = await doctor(config);
    assert.equal(report.code, 1);
    const [failure] = report.line('FAIL', 'master-key');
    assert.match(failure!, /encrypted with another master key.*\[LK_MASTER_KEY_MISMATCH\]$/);
    assert.match(
      report.lines[report.lines.indexOf(failure!) + 1]!,
      new RegExp(`fix: .*restore ${masterKeyFile(config).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    assert.deepEqual(report.line('SKIP', 'directory').concat(report.line('SKIP', 'smtp'), report.line('SKIP', 'sms')).length, 3);
  });

  test('a missing key file, with secrets in the database, fails (it is not silently made again)', async () => {
    const config = await installed(configFor());
    rmSync(masterKeyFile(config));
    const report = await doctor(config);
    assert.equal(report.code, 1);
    assert.match(report.line('FAIL', 'master-key')[0]!, /\[LK_MASTER_KEY_INVALID\]$/);
  });

  test('before the first start there is no key yet: a warning, and the config file is checked', async () => {
    const config = configFor();
    const report = await doctor(config);
    assert.equal(report.code, 0, report.text);
    assert.equal(report.line('WARN', 'master-key').length, 1);
    assert.match(report.line('PASS', 'settings')[0]!, /from the config file/);
  });
});

test('lines: status, the name in a column, the details indented under it', () => {
  assert.deepEqual(formatResult({ status: 'WARN', name: 'smtp', summary: 'not configured', details: ['fix: configure it'] }), [
    'WARN  smtp        not configured',
    '      fix: configure it',
  ]);
});
