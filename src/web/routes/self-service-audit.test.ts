/**
 * The self-service audit through the pages, on both databases: a user's repeated profile views
 * are one entry with a count and the user's display name; the viewer shows both columns; an
 * admin turning self-service logging off is audited, warned of on the dashboard, and stops the
 * routine entries while a refusal is still recorded.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import { adminClient, createUser, devDomain, removeEntries, type TestUser } from '../../testing/dev-domain.ts';
import { forEachPortalDatabase } from '../../testing/portal-databases.ts';
import { csrfOf, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();

forEachPortalDatabase('the self-service audit', {}, (fixture) => {
  let directoryAdmin: Client;
  let user: TestUser;
  before(async () => {
    directoryAdmin = await adminClient();
    user = await createUser(directoryAdmin);
  });
  after(async () => {
    await removeEntries(directoryAdmin, [user.dn]);
    await directoryAdmin.unbind();
  });
  const trail = async (action: string) =>
    (await fixture.portal.app.store.audit.query({ category: 'self-service', action })).filter((entry) => entry.actor === user.sam);

  async function signedIn(path: '/me' | '/admin', sam: string, password: string): Promise<WebClient> {
    const client = webClient(fixture.portal.app.server);
    await client.get(path);
    await client.submit(`${path}/sign-in`, { username: sam, domain: '', password });
    return client;
  }

  /** Saves the audit section with self-service logging `on` or off (an unticked box is off). */
  async function setSelfServiceLogging(console: WebClient, on: boolean): Promise<void> {
    const page = await console.get('/admin/settings/audit');
    const form = { 'field:retentionDays': '400', ...(on ? { 'field:selfService': 'on' } : {}) };
    const saved = await console.post('/admin/settings/audit', form, { csrf: csrfOf(page.body) ?? false });
    assert.match(saved.body, /Saved: 1 settings changed/);
  }

  test('repeated profile views are one entry with a count and the display name, shown in the viewer', async () => {
    // Signing in lands on the profile: the first view.
    const client = await signedIn('/me', user.sam, user.password);
    for (let view = 0; view < 2; view++) await client.get('/me');
    const views = await trail('profile-view');
    assert.equal(views.length, 1, 'one entry for the views within the window');
    assert.equal(views[0]?.times, 3);
    assert.equal(views[0]?.actorName, user.displayName);
    assert.equal((await trail('sign-in'))[0]?.actorName, user.displayName);

    const console = await signedIn('/admin', facts.admins.member, facts.userPassword);
    const search = `tab=self-service&user=${user.sam}&action=profile-view`;
    const viewer = await console.get(`/admin/audit?${search}`);
    assert.match(viewer.body, /<th class="col-times"/, 'the count shows by default');
    assert.doesNotMatch(viewer.body, /<th class="col-actorName"/, 'the display name waits for the column chooser');
    const show = Object.fromEntries(['at', 'actor', 'actorName', 'action', 'times'].map((column) => [`show:${column}`, 'on']));
    await console.post('/admin/audit/columns', { chooser: '1', ...show }, { csrf: csrfOf(viewer.body) ?? false });
    const chosen = await console.get(`/admin/audit?${search}`);
    assert.match(chosen.body, /<th class="col-actorName"/);
    assert.ok(
      chosen.body.includes(`<td data-label="Display name">${user.displayName}</td><td data-label="Action">profile-view</td><td data-label="Times">3</td>`),
      'the display name and the count, in the table',
    );
    const csv = await console.get(`/admin/audit/export?${search}&format=csv`);
    assert.ok(csv.body.includes(`${user.sam},${user.displayName},profile-view,3\r\n`), 'the export has exactly the columns the viewer shows');
  });

  test('self-service logging off: audited, warned of on the dashboard, routine views dropped, refusals kept', async () => {
    const console = await signedIn('/admin', facts.admins.member, facts.userPassword);
    assert.doesNotMatch((await console.get('/admin')).body, /id="self-service-audit-off"/);
    await setSelfServiceLogging(console, false);
    try {
      const changes = await fixture.portal.app.store.audit.query({ category: 'admin', action: 'settings-change' });
      assert.ok(changes.some((entry) => entry.actor === facts.admins.member && entry.detail === 'audit.selfService: true → false'));
      assert.match((await console.get('/admin')).body, /id="self-service-audit-off"/);

      await fixture.portal.app.store.db.deleteFrom('audit_events').where('actor', '=', user.sam).execute();
      const client = await signedIn('/me', user.sam, user.password);
      await client.get('/me/groups');
      await signedIn('/me', user.sam, 'not the password');
      assert.deepEqual(await trail('sign-in').then((entries) => entries.map((entry) => entry.outcome)), ['refused']);
      assert.deepEqual(await trail('groups-view'), []);
    } finally {
      await setSelfServiceLogging(console, true);
    }
    assert.doesNotMatch((await console.get('/admin')).body, /id="self-service-audit-off"/);
  });
});
