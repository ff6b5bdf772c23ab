/**
 * The groups that grant power are recognised by identity, against the real Samba domain: a group
 * created in another OU under the configured name admits nobody to /admin or /helpdesk, does not
 * stop the portal from starting again, and a name that two groups share is refused, naming both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'ldapts';
import { createApp } from '../../app.ts';
import { saveSettings } from '../../testing/admin-console.ts';
import { rejectsWithCode } from '../../testing/assertions.ts';
import { adminClient, createGroup, createOu, createUser, devDomain, removeEntries, type TestUser } from '../../testing/dev-domain.ts';
import { startTestPortal, type TestPortal } from '../../testing/portal.ts';
import { type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
let admin: Client;
let portal: TestPortal;
/** Removed in reverse order: groups before the OU that holds them. */
const created: string[] = [];
/** Members of the configured groups, and of the same-named ones in another OU. */
let boss: TestUser;
let operator: TestUser;
let mallory: TestUser;
let admins: { dn: string; name: string };
let desk: { dn: string; name: string };
let forged: { admins: string; desk: string };

const nameOf = (dn: string) => /^CN=([^,]+)/.exec(dn)![1]!;

before(async () => {
  admin = await adminClient();
  [boss, operator, mallory] = [await createUser(admin), await createUser(admin), await createUser(admin)];
  created.push(boss.dn, operator.dn, mallory.dn);
  const adminsDn = await createGroup(admin, [boss.dn]);
  const deskDn = await createGroup(admin, [operator.dn]);
  admins = { dn: adminsDn, name: nameOf(adminsDn) };
  desk = { dn: deskDn, name: nameOf(deskDn) };
  created.push(adminsDn, deskDn);
  // Configured by name, as a config file from before groups were pinned would have them.
  portal = await startTestPortal({
    protection: { perIp: { max: 1000 }, perUser: { max: 100 } },
    admin: { group: admins.name },
    helpdesk: { groups: [{ group: desk.name, scopes: [facts.ous.staff] }] },
  });
  // Then someone who may create groups somewhere makes groups of the same names, with Mallory in them.
  const ou = await createOu(admin);
  created.push(ou);
  forged = {
    admins: await createGroup(admin, [mallory.dn], { name: admins.name, container: ou }),
    desk: await createGroup(admin, [mallory.dn], { name: desk.name, container: ou }),
  };
  created.push(forged.admins, forged.desk);
});

after(async () => {
  await portal?.close();
  await removeEntries(admin, [...created].reverse());
  await admin.unbind();
});

async function signIn(server: TestPortal['app']['server'], area: 'admin' | 'helpdesk', user: TestUser): Promise<{ client: WebClient; body: string }> {
  const client = webClient(server);
  await client.get(`/${area}`);
  const page = await client.submit(`/${area}/sign-in`, { username: user.sam, domain: '', password: user.password });
  return { client, body: page.body };
}

describe('a group of the same name in another OU grants nothing', () => {
  test('its member is refused at /admin, while the configured group works, and the refusal is audited', async () => {
    assert.match((await signIn(portal.app.server, 'admin', mallory)).body, /may not use the admin console/);
    assert.match((await signIn(portal.app.server, 'admin', boss)).body, /Dashboard/);
    const refused = await portal.app.store.audit.query({ category: 'admin', action: 'sign-in', outcome: 'refused' });
    assert.ok(refused.some((entry) => entry.actor === mallory.sam && entry.detail === `not a member of ${admins.dn}`));
  });

  test('its member is refused at /helpdesk, while the configured group works', async () => {
    assert.match((await signIn(portal.app.server, 'helpdesk', mallory)).body, /not a member of a helpdesk group/);
    assert.match((await signIn(portal.app.server, 'helpdesk', operator)).body, /Find a user/);
  });

  test('started again on the same database, the portal keeps the groups it identified: no refusal to start, no way in', async () => {
    const again = await createApp(portal.config, { env: {}, logger: false });
    try {
      assert.match((await signIn(again.server, 'admin', mallory)).body, /may not use the admin console/);
      assert.match((await signIn(again.server, 'helpdesk', mallory)).body, /not a member of a helpdesk group/);
      assert.match((await signIn(again.server, 'admin', boss)).body, /Dashboard/);
    } finally {
      await again.close();
    }
  });
});

describe('a name that several groups share', () => {
  test('as admin.group of a new portal, it refuses to start, naming every DN', async () => {
    const error = await rejectsWithCode(startTestPortal({ admin: { group: admins.name } }), 'LK_GROUP_AMBIGUOUS');
    assert.ok(error.message.includes(admins.dn) && error.message.includes(forged.admins), error.message);
  });

  test('the console refuses to save it as a helpdesk group, naming every DN; a DN is taken, and each group is shown by DN', async () => {
    const { client } = await signIn(portal.app.server, 'admin', boss);
    const entry = (group: string) => `- group: ${group}\n  scopes: ["${facts.ous.staff}"]`;
    const refused = await saveSettings(client, 'helpdesk', { 'field:groups': `${entry(desk.name)}\n${entry(admins.name)}` });
    assert.match(refused.body, /names more than one group/);
    assert.ok(refused.body.includes(admins.dn) && refused.body.includes(forged.admins), 'both DNs are named');
    assert.equal(portal.app.runtime.settings.current().helpdesk.groups.length, 1, 'nothing was saved');

    // The unchanged name keeps the group it was identified as, though it is ambiguous by now.
    const saved = await saveSettings(client, 'helpdesk', { 'field:groups': `${entry(desk.name)}\n${entry(forged.desk)}` });
    assert.match(saved.body, /Saved/);
    const [kept, byDn] = portal.app.runtime.settings.current().helpdesk.groups;
    assert.equal(kept?.dn, desk.dn);
    assert.equal(byDn?.dn, forged.desk);
    assert.ok(saved.body.includes(`Admin console (admin.group in the configuration file): ${admins.dn}`));
    assert.ok(saved.body.includes(`Helpdesk &quot;${desk.name}&quot;: ${desk.dn}`));
    assert.ok(saved.body.includes(`Helpdesk &quot;${forged.desk}&quot;: ${forged.desk}`));
    assert.match((await signIn(portal.app.server, 'helpdesk', mallory)).body, /Find a user/, 'named by its DN, that group now grants access');
  });
});
