/**
 * Privileged accounts with `protection.allowProtectedAccounts` on, against the dev domain with
 * SDProp emulated: without the rights on AdminSDHolder the portal's reset is refused and the
 * doctor gives the grants; with them (and SDProp run again) the reset goes through and the
 * doctor passes. AdminSDHolder is shared: its DACL is put back after.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../config/load.ts';
import { adminSdHolderDn } from '../../directory/delegation-commands.ts';
import type { DirectoryDiagnostics } from '../../directory/diagnostics.ts';
import { bindAs, devDomain, emulateSdProp, freshPassword, grantOnAdminSdHolder, readAttribute, readDacl } from '../../testing/dev-domain.ts';
import { enrollInStore, resetPassword, verify } from '../../testing/journeys.ts';
import { portalFixture } from '../../testing/portal.ts';
import { webClient } from '../../testing/web-client.ts';
import { devDirectorySettings } from '../demo.ts';
import { runDoctor } from '../doctor.ts';
import { protectedAccountsCheck } from './protected-accounts.ts';

const facts = devDomain();
const fixture = portalFixture({ protection: { allowProtectedAccounts: true } });
const holder = adminSdHolderDn(facts.baseDn);
const account = `LATCHKEY\\${facts.serviceAccount.sam}`;

/** The doctor's lines for the portal's own installation. */
async function doctorLines(): Promise<string[]> {
  const lines: string[] = [];
  await runDoctor(fixture.portal.config, { env: {}, out: (line) => lines.push(line) });
  return lines;
}

const protectedLine = (lines: string[], status: string) => lines.filter((line) => line.startsWith(`${status}  protected   `));

describe('protected accounts allowed', () => {
  test('without the rights on AdminSDHolder a protected account is refused and the doctor gives the grants; with them it is reset and the doctor passes', async () => {
    const user = await fixture.person('staff');
    const email = `${user.sam}@${facts.dnsDomain}`;
    const found = await fixture.portal.app.directory.findUser(user.sam);
    assert.ok(found);
    await enrollInStore(fixture.portal, found.guid, user.sam, { email });
    await emulateSdProp(fixture.admin, user.dn);
    assert.equal(await readAttribute(fixture.admin, user.dn, 'adminCount'), '1');

    const refusedPassword = freshPassword();
    const client = webClient(fixture.portal.app.server);
    const verified = await verify(client, 'reset', user, { channel: 'email', address: email, outbox: fixture.portal.outbox });
    assert.match(verified.body, /Choose your new password/);
    const refused = await client.submit('/reset/password', { password: refusedPassword, confirm: refusedPassword });
    assert.match(refused.body, /The password service is not allowed to change this account\. Contact your helpdesk\./);
    assert.equal(await bindAs(user.dn, user.password), 'ok', 'the account is unchanged');

    const before = await doctorLines();
    assert.deepEqual(protectedLine(before, 'FAIL'), [
      `FAIL  protected   ${holder}: ${account} lacks Reset Password, Write lockoutTime, Write pwdLastSet: privileged accounts are allowed but cannot be reset`,
    ]);
    assert.ok(before.includes('      allowed by protection.allowProtectedAccounts'), before.join('\n'));
    for (const grant of ['CA;Reset Password', 'WP;lockoutTime', 'WP;pwdLastSet']) {
      assert.ok(before.includes(`          dsacls "${holder}" /G "${account}:${grant}"`), `${grant}\n${before.join('\n')}`);
    }
    assert.ok(
      before.some((line) => line.includes("$root.Put('runProtectAdminGroupsTask', 1)")),
      'how to run SDProp now',
    );

    const original = await readDacl(fixture.admin, holder);
    const restore = await grantOnAdminSdHolder(fixture.admin, facts.serviceAccount.sid);
    try {
      await emulateSdProp(fixture.admin, user.dn);
      const next = freshPassword();
      await resetPassword(webClient(fixture.portal.app.server), user, { address: email, outbox: fixture.portal.outbox }, next);
      assert.equal(await bindAs(user.dn, next), 'ok', 'the protected account was reset');
      const after = await doctorLines();
      assert.deepEqual(protectedLine(after, 'PASS'), [
        `PASS  protected   ${holder}: ${account} holds Reset Password, Write lockoutTime, Write pwdLastSet (privileged accounts can be reset)`,
      ]);
    } finally {
      await restore();
    }
    assert.deepEqual(await readDacl(fixture.admin, holder), original, "AdminSDHolder's DACL is back as it was");
  });
});

describe('a helpdesk group allowed to act on privileged accounts', () => {
  test('needs the same rights on AdminSDHolder, so the doctor checks them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-doctor-'));
    try {
      const config = loadConfig({
        env: {},
        base: {
          dataDir,
          server: { behindTlsProxy: true },
          directory: devDirectorySettings(facts),
          helpdesk: { groups: [{ group: facts.helpdesk.group, scopes: [facts.ous.staff], allowProtected: true }] },
        },
      });
      const lines: string[] = [];
      await runDoctor(config, { env: {}, out: (line) => lines.push(line) });
      assert.equal(protectedLine(lines, 'FAIL').length, 1, lines.join('\n'));
      assert.ok(lines.includes(`      allowed by allowProtected of helpdesk group ${JSON.stringify(facts.helpdesk.group)}`), lines.join('\n'));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the check on its own', () => {
  const sids = new Set([facts.serviceAccount.sid]);
  const grantee = { netbiosDomain: 'LATCHKEY', samAccountName: facts.serviceAccount.sam };
  const unreadable = { securityDescriptor: async () => null } as unknown as DirectoryDiagnostics;

  test('with protected accounts not allowed it says so and reads nothing', async () => {
    const check = await protectedAccountsCheck(unreadable, facts.baseDn, sids, grantee, []);
    assert.equal(check.status, 'PASS');
    assert.match(check.summary, /may not use the portal: not checked/);
  });

  test('an AdminSDHolder the service account cannot read is a warning, not a grant to paste', async () => {
    const check = await protectedAccountsCheck(unreadable, facts.baseDn, sids, grantee, ['protection.allowProtectedAccounts']);
    assert.equal(check.status, 'WARN');
    assert.ok(!check.details.some((line) => line.includes('dsacls')), check.details.join('\n'));
  });
});
