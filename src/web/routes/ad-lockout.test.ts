/**
 * No page of the portal can lock an AD account: wrong passwords through every page that takes
 * one, from many addresses, stop one short of the domain's lockout threshold, and the owner
 * still signs in.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bindAs, devDomain, freshPassword } from '../../testing/dev-domain.ts';
import { portalFixture, type TestPortal } from '../../testing/portal.ts';
import { webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture();

const person = (extra: Record<string, string> = {}) => fixture.person('staff', extra);
const _mailOf = (user: { sam: string }) => `${user.sam}@${facts.dnsDomain}`;
const audit = (target: TestPortal, action: string) => target.app.store.audit.query({ action });

describe('AD lockout through the portal', () => {
  // The dev domain locks after 5 wrong passwords; the default limit is 5 per name.
  async function state(sam: string) {
    const user = await fixture.portal.app.directory.findUser(sam);
    assert.ok(user, sam);
    return user.state;
  }

  test('wrong passwords through every page that takes one never lock the account', async () => {
    const victim = await person();
    const next = freshPassword();
    let attempt = 0;
    const pages: { path: string; fields: Record<string, string> }[] = [
      { path: '/me/sign-in', fields: { username: victim.sam, domain: '', password: 'Wrong-Password-1' } },
      { path: '/enroll', fields: { username: victim.sam, domain: '', password: 'Wrong-Password-1' } },
      { path: '/change', fields: { username: victim.sam, oldPassword: 'Wrong-Password-1', newPassword: next, confirm: next } },
      { path: '/helpdesk/sign-in', fields: { username: victim.sam, domain: '', password: 'Wrong-Password-1' } },
      { path: '/admin/sign-in', fields: { username: victim.sam, domain: '', password: 'Wrong-Password-1' } },
    ];
    // Each attempt from a new address, so that only the per-name limit and the guard stand in the way.
    for (let round = 0; round < 3; round++) {
      for (const page of pages) {
        attempt += 1;
        const client = webClient(fixture.portal.app.server, { ip: `10.9.${round}.${attempt}` });
        await client.get(page.path.replace('/sign-in', ''));
        const answer = await client.submit(page.path, page.fields);
        assert.match(answer.body, /not correct|too many attempts/, `${page.path}: refused as a wrong password or a rate limit`);
      }
    }
    const after = await state(victim.sam);
    assert.equal(after.lockedOut, false, `${attempt} wrong passwords through the portal did not lock the account`);
    assert.equal(after.badPasswordCount, 4, 'the DC saw wrong passwords up to one short of the threshold');
    assert.equal(await bindAs(victim.dn, victim.password), 'ok', 'the owner still signs in to Windows');
  });

  test('wrong old passwords on the signed-in change form never lock the account', async () => {
    const victim = await person();
    const client = webClient(fixture.portal.app.server, { ip: '10.9.8.1' });
    await client.get('/me');
    assert.doesNotMatch((await client.submit('/me/sign-in', { username: victim.sam, domain: '', password: victim.password })).body, /not correct/);
    const next = freshPassword();
    for (let i = 0; i < 8; i++) {
      const page = await client.submit('/me/password', { oldPassword: 'Wrong-Password-1', newPassword: next, confirm: next });
      assert.match(page.body, /not correct|too many attempts/, `try ${i + 1} refused`);
    }
    const after = await state(victim.sam);
    assert.equal(after.lockedOut, false, 'eight wrong old passwords did not lock the account');
    assert.ok(after.badPasswordCount <= 4, `badPwdCount ${after.badPasswordCount}`);
    assert.equal(await bindAs(victim.dn, victim.password), 'ok', 'the owner still signs in to Windows');
  });

  test('one wrong password short of the threshold, neither sign-in nor change tries one; shown as a wrong password', async () => {
    const user = await person();
    for (let i = 0; i < 4; i++) assert.equal(await bindAs(user.dn, 'Wrong-Password-1'), '52e');
    const client = webClient(fixture.portal.app.server, { ip: '10.9.9.1' });
    await client.get('/me');
    const refused = await client.submit('/me/sign-in', { username: user.sam, domain: '', password: 'Wrong-Password-2' });
    assert.match(refused.body, /username or password is not correct/);
    const next = freshPassword();
    await client.get('/change');
    const changeRefused = await client.submit('/change', { username: user.sam, oldPassword: 'Wrong-Password-2', newPassword: next, confirm: next });
    assert.match(changeRefused.body, /username or password is not correct/);
    const after = await state(user.sam);
    assert.equal(after.lockedOut, false);
    assert.equal(after.badPasswordCount, 4, 'no bind was made');
    const entries = await audit(fixture.portal, 'sign-in');
    assert.ok(
      entries.some((entry) => entry.actor === user.sam && /lockout-imminent/.test(entry.detail ?? '')),
      'audited with the reason',
    );
  });

  test('with more than one wrong password to spare, the right password signs in', async () => {
    const user = await person();
    for (let i = 0; i < 3; i++) assert.equal(await bindAs(user.dn, 'Wrong-Password-1'), '52e');
    const client = webClient(fixture.portal.app.server, { ip: '10.9.9.2' });
    await client.get('/me');
    const page = await client.submit('/me/sign-in', { username: user.sam, domain: '', password: user.password });
    assert.doesNotMatch(page.body, /not correct/);
    assert.equal((await state(user.sam)).badPasswordCount, 0, 'a good bind clears the count');
  });
});
