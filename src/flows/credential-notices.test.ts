/**
 * The notices of credential changes at the flows: a passkey added and removed is told by name; a
 * notice that cannot be sent fails nothing and is audited; an account without any address is
 * audited as such; a kind the admin turned off is not sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import { freshPassword } from '../testing/dev-domain.ts';
import { auditOf, flowFixture, someone } from '../testing/flow-context.ts';
import { register } from '../testing/passkey-fixture.ts';
import { changeOwnPassword } from './account.ts';
import { noticesSettled, noticeWanted } from './credential-notices.ts';
import { listPasskeys, removePasskey } from './passkey-management.ts';

forEachDatabase('credential notices', (database) => {
  const flows = flowFixture(() => database.store());

  test('a passkey added and one removed are each told, by name', async () => {
    const harness = await flows.harness();
    const user = await flows.account(await flows.person());
    const { outcome } = await register(harness.ctx, user, { name: 'Work laptop' });
    assert.equal(outcome.outcome, 'added');
    const [key] = await listPasskeys(harness.ctx, user);
    assert.equal((await removePasskey(harness.ctx, user, key!.id, someone())).outcome, 'done');
    await noticesSettled();
    const told = harness.mail.filter((mail) => mail.to.includes(user.mail!)).map((mail) => mail.text);
    assert.equal(told.length, 2);
    assert.match(told[0]!, /The passkey "Work laptop" was added to your account/);
    assert.match(told[1]!, /The passkey "Work laptop" was removed from your account/);
  });

  test('a notice that cannot be sent fails nothing, and the trail says so', async () => {
    const harness = await flows.harness();
    const person = await flows.person();
    const user = await flows.account(person);
    const mail = harness.ctx.mail;
    harness.ctx.mail = { send: () => Promise.reject(Object.assign(new Error('down'), { code: 'LK_MAIL_FAILED' })) };
    try {
      const next = freshPassword();
      const changed = await changeOwnPassword(harness.ctx, user, { oldPassword: person.password, newPassword: next, confirm: next }, someone());
      assert.deepEqual(changed, { outcome: 'done' }, 'the change is made and reported as made');
      await noticesSettled();
    } finally {
      harness.ctx.mail = mail;
    }
    assert.deepEqual(await auditOf(harness.ctx, user.samAccountName, 'delivery-failed'), [
      { category: 'self-service', outcome: 'failure', detail: 'notice change: e-mail to 1 address(es): LK_MAIL_FAILED' },
    ]);
  });

  test('an account without an address is audited as such; a kind turned off sends nothing', async () => {
    const harness = await flows.harness();
    const person = await flows.person();
    const user = { ...(await flows.account(person)), mail: null };
    const next = freshPassword();
    await changeOwnPassword(harness.ctx, user, { oldPassword: person.password, newPassword: next, confirm: next }, someone());
    await noticesSettled();
    assert.deepEqual(await auditOf(harness.ctx, user.samAccountName, 'send-no-address'), [
      { category: 'self-service', outcome: 'refused', detail: 'notice change: no e-mail address on file' },
    ]);

    const { policy } = harness.ctx;
    harness.ctx.policy = { ...policy, notices: { ...policy.notices, change: false } };
    try {
      assert.equal(noticeWanted(harness.ctx, 'change'), false);
      const sent = harness.mail.length;
      const again = freshPassword();
      await changeOwnPassword(harness.ctx, { ...user, mail: person.upn }, { oldPassword: next, newPassword: again, confirm: again }, someone());
      await noticesSettled();
      assert.equal(harness.mail.length, sent, 'nothing sent');
    } finally {
      harness.ctx.policy = policy;
    }
  });
});
