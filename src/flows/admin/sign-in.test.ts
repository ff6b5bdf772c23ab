/**
 * Admin sign-in against the dev domain, without HTTP, with the trail on both databases: who
 * gets in, who is refused and how each is audited, and a session that ends when idle.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { devDomain } from '../../testing/dev-domain.ts';
import { forEachPortalDatabase } from '../../testing/portal-databases.ts';
import { SignInRequired } from '../signed-in.ts';
import { activeAdmin, configuredGroups, signInToAdmin } from './sign-in.ts';

const facts = devDomain();
const credentials = (name: string, password = facts.userPassword) => ({ name, password, honeypot: '' });

forEachPortalDatabase('admin sign-in', { helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: facts.delegatedOus }] } }, (fixture) => {
  const trail = (actor: string) => fixture.portal.app.store.audit.query({ category: 'admin', action: 'sign-in', actor });

  test('a member of the admin group gets a session, and the sign-in is audited', async () => {
    const { admin } = fixture.portal.app;
    const started = admin.now();
    const result = await signInToAdmin(admin, admin.adminAudit, credentials(facts.admins.member), { ip: '10.61.0.1' });
    assert.ok(result.ok);
    assert.equal(result.session.sam, facts.admins.member);
    assert.ok(result.session.lastSeen >= started && result.session.lastSeen <= admin.now());
    assert.ok((await trail(facts.admins.member)).some((entry) => entry.outcome === 'success' && entry.sourceIp === '10.61.0.1'));
  });

  test('a helpdesk operator with the right password is refused as not an admin, and audited', async () => {
    const { admin } = fixture.portal.app;
    const result = await signInToAdmin(admin, admin.adminAudit, credentials(facts.helpdesk.member), { ip: '10.61.0.2' });
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'LK_NOT_ADMIN');
    const refused = (await trail(facts.helpdesk.member)).find((entry) => entry.sourceIp === '10.61.0.2');
    assert.equal(refused?.outcome, 'refused');
    assert.match(refused?.detail ?? '', /not a member of CN=Latchkey Admins/);
  });

  test('a name that matches nobody is refused; the trail keeps no guess', async () => {
    const { admin } = fixture.portal.app;
    const name = `nosuch-${randomBytes(3).toString('hex')}`;
    const result = await signInToAdmin(admin, admin.adminAudit, credentials(name, 'Wrong-Password-1'), { ip: '10.61.0.3' });
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'LK_INVALID_CREDENTIALS');
    assert.deepEqual(await trail(name), []);
    assert.ok((await trail('unknown')).some((entry) => entry.sourceIp === '10.61.0.3' && entry.outcome === 'refused'));
  });

  test('a live session is touched; an idle one, or none, means signing in again', async () => {
    const { admin } = fixture.portal.app;
    const result = await signInToAdmin(admin, admin.adminAudit, credentials(facts.admins.member), { ip: '10.61.0.4' });
    assert.ok(result.ok);
    const session = { ...result.session, lastSeen: admin.now() - 1000 };
    const touched = admin.now();
    assert.ok((await activeAdmin(admin, session)).lastSeen >= touched, 'the session is touched');
    const idle = { ...session, lastSeen: admin.now() - (admin.policy.selfService.idleMinutes * 60_000 + 1) };
    await assert.rejects(activeAdmin(admin, idle), (error) => SignInRequired.is(error));
    await assert.rejects(activeAdmin(admin, undefined), (error) => SignInRequired.is(error));
  });

  test('the groups that grant access are shown by the DN their SID resolved to', async () => {
    const groups = await configuredGroups(fixture.portal.app.admin);
    assert.equal(groups.admin, facts.admins.group);
    assert.deepEqual(groups.helpdesk, [{ group: 'Latchkey Helpdesk', dn: facts.helpdesk.group }]);
  });
});
