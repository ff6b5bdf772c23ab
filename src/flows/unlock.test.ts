/**
 * The end of an unlock, after a passed verification, against the real dev domain and both
 * databases: the AD lockout is cleared, the password stays as it was, and the audit trail and
 * the owner's notice say what happened.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import { bindAs, readAttribute } from '../testing/dev-domain.ts';
import { auditOf, enrolledPerson, flowFixture, lockInAd, someone, verifiedFlow } from '../testing/flow-context.ts';
import { noticesSettled } from './credential-notices.ts';
import { completeUnlock } from './unlock.ts';

forEachDatabase('unlock completion', (database) => {
  const flows = flowFixture(() => database.store());

  test('an unlock clears the lockout and leaves the password as it was', async () => {
    const { harness, ctx, person, user } = await enrolledPerson(flows);
    await lockInAd(person);
    const pwdLastSet = await readAttribute(flows.admin, person.dn, 'pwdLastSet');
    const requester = someone();
    const state = await verifiedFlow(harness, 'unlock', user, requester);
    assert.deepEqual(await completeUnlock(ctx, state, requester), { outcome: 'done', wasLocked: true });
    assert.equal(await bindAs(person.dn, person.password), 'ok', 'the old password signs in again');
    assert.equal(await readAttribute(flows.admin, person.dn, 'pwdLastSet'), pwdLastSet, 'the password was not touched');
    assert.equal(await readAttribute(flows.admin, person.dn, 'lockoutTime'), '0');
    assert.deepEqual(await auditOf(ctx, user.samAccountName, 'unlock'), [{ category: 'self-service', outcome: 'success', detail: null }]);
    await noticesSettled();
    const notices = harness.mail.filter((message) => message.to.includes(user.mail ?? '') && /was unlocked/.test(message.subject));
    assert.equal(notices.length, 1, 'the owner is told');
    assert.match(notices[0]?.text ?? '', new RegExp(`from the address ${requester.ip.replace(/\./g, '\\.')}`));
  });

  test('an unlock of an account that is not locked changes nothing and is audited as such', async () => {
    const { harness, ctx, person, user } = await enrolledPerson(flows);
    const pwdLastSet = await readAttribute(flows.admin, person.dn, 'pwdLastSet');
    const state = await verifiedFlow(harness, 'unlock', user);
    assert.deepEqual(await completeUnlock(ctx, state, someone()), { outcome: 'done', wasLocked: false });
    assert.equal(await bindAs(person.dn, person.password), 'ok');
    assert.equal(await readAttribute(flows.admin, person.dn, 'pwdLastSet'), pwdLastSet);
    assert.deepEqual(await auditOf(ctx, user.samAccountName, 'unlock'), [{ category: 'self-service', outcome: 'success', detail: 'was not locked' }]);
  });
});
