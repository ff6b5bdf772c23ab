/**
 * `latchkey campaign --dry-run` against the dev domain: it names who would be invited, sends
 * nothing and records nothing; without --dry-run it explains itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import { loadConfig } from '../config/load.ts';
import { databaseOptions } from '../config/paths.ts';
import { openStore } from '../store/store.ts';
import { runCli } from '../testing/cli.ts';
import { adminClient, createChildOu, createGroup, createUser, devDomain, removeOu } from '../testing/dev-domain.ts';
import { runCampaignDryRun } from './campaign.ts';
import { devDirectorySettings } from './demo.ts';

const facts = devDomain();
let admin: Client;
let ou: `OU=${string}`;
const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-campaign-'));

before(async () => {
  admin = await adminClient();
  ou = await createChildOu(admin, facts.ous.staff);
});

after(async () => {
  await removeOu(admin, ou);
  await admin.unbind();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the dry run names who would be invited and why the others would not, and sends and records nothing', async () => {
  const newcomer = await createUser(admin, ou);
  const disabled = await createUser(admin, ou, { userAccountControl: '514' });
  const outsider = await createUser(admin, ou);
  // Named by DN in the file: the start pins it to its SID, as saving it in the console would.
  const group = await createGroup(admin, [newcomer.dn, disabled.dn], { container: ou });
  const config = loadConfig({
    env: {},
    base: { dataDir, directory: devDirectorySettings(facts), campaigns: { searchBases: [ou], maxInvitations: 3, groups: [{ group }] } },
  });
  const report = await runCampaignDryRun(config, {});
  assert.match(report, /Campaigns are off; every 7 days, at most 3 invitations a person\./);
  assert.match(report, /3 accounts examined in OU=tou-/);
  assert.match(report, new RegExp(`Would invite 1:\\n  ${newcomer.sam} \\(invitation 1 of 3\\)\\n`));
  assert.match(report, /Not invited: (disabled 1, not-in-group 1|not-in-group 1, disabled 1)\./);
  assert.ok(!report.includes(disabled.sam) && !report.includes(outsider.sam));
  const store = await openStore(databaseOptions(config));
  try {
    assert.deepEqual(await store.campaigns.figures(), { invited: 0, reminded: 0, enrolled: 0 }, 'nothing recorded');
  } finally {
    await store.close();
  }
});

test('without --dry-run the command says how to use it', async () => {
  const run = await runCli(['campaign']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /latchkey campaign --dry-run/);
});
