/**
 * The end of a reset, after a passed verification, against the real dev domain and both
 * databases: the new password is what AD then accepts (a lockout cleared with it), a refused
 * password changes nothing, self-service refuses what it must (for an unlock too), and the audit
 * trail and the owner's notice say what happened.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { forEachDatabase } from '../testing/databases.ts';
import { addMember, bindAs, devDomain, freshPassword, readAttribute } from '../testing/dev-domain.ts';
import { auditOf, enrolledPerson, enrollInStore, flowFixture, lockInAd, someone, verifiedFlow } from '../testing/flow-context.ts';
import { noticesSettled } from './credential-notices.ts';
import { completeReset } from './reset.ts';
import { completeUnlock } from './unlock.ts';

const facts = devDomain();
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

forEachDatabase('reset completion', (database) => {
  const flows = flowFixture(() => database.store());

  test('a reset sets the new password in AD: it binds and the old one does not; audited, and the owner told', async () => {
    const { harness, ctx, person, user } = await enrolledPerson(flows);
    const requester = someone();
    const state = await verifiedFlow(harness, 'reset', user, requester);
    const next = freshPassword();
    assert.deepEqual(await completeReset(ctx, state, { password: next, confirm: next }, requester), { outcome: 'done', wasLocked: false });
    assert.equal(await bindAs(person.dn, next), 'ok');
    assert.equal(await bindAs(person.dn, person.password), '52e');
    assert.deepEqual(await auditOf(ctx, user.samAccountName, 'reset'), [{ category: 'self-service', outcome: 'success', detail: null }]);
    await noticesSettled();
    const notices = harness.mail.filter((message) => /was reset/.test(message.subject));
    assert.equal(notices.length, 1, 'one notice');
    assert.deepEqual(notices[0]?.to, [user.mail]);
    assert.match(notices[0]?.text ?? '', new RegExp(`${user.samAccountName}.*from the address ${escaped(requester.ip)}`, 's'));
    // The password is kept nowhere in readable form.
    assert.ok((await ctx.store.audit.query({})).every((entry) => !JSON.stringify(entry).includes(next)));
    assert.ok(!JSON.stringify(await ctx.store.enrollments.get(user.guid)).includes(next));
  });

  test('a reset of an account locked out in AD unlocks it too', async () => {
    const { harness, ctx, person, user } = await enrolledPerson(flows);
    await lockInAd(person);
    const requester = someone();
    const state = await verifiedFlow(harness, 'reset', user, requester);
    const next = freshPassword();
    assert.deepEqual(await completeReset(ctx, state, { password: next, confirm: next }, requester), { outcome: 'done', wasLocked: true });
    assert.equal(await bindAs(person.dn, next), 'ok', 'the new password signs in: no longer locked');
    assert.equal((await ctx.directory.getUser(user.guid))?.state.lockedOut, false);
  });

  test('a password the rules refuse gets a field error and changes nothing; the flow stays verified', async () => {
    const { harness, ctx, person, user } = await enrolledPerson(flows);
    const pwdLastSet = await readAttribute(flows.admin, person.dn, 'pwdLastSet');
    const requester = someone();
    const state = await verifiedFlow(harness, 'reset', user, requester);
    const attempt = (password: string, confirm = password) => completeReset(ctx, state, { password, confirm }, requester);
    assert.deepEqual(await attempt('Ab1!'), { outcome: 'invalid', errors: [{ field: 'password', code: 'LK_PASSWORD_TOO_SHORT', params: { minLength: 8 } }] });
    assert.deepEqual(
      await attempt('alllowercaseletters'),
      {
        outcome: 'invalid',
        errors: [{ field: 'password', code: 'LK_PASSWORD_COMPLEXITY', params: { short: 2, missing: 'capital letters, digits, symbols' } }],
      },
      "the domain's complexity rule, explained",
    );
    assert.deepEqual(
      await attempt(`My-${user.samAccountName}-99`),
      { outcome: 'invalid', errors: [{ field: 'password', code: 'LK_PASSWORD_CONTAINS_NAME' }] },
      'the account name in it',
    );
    assert.deepEqual(await attempt('Tulip-garden-77', 'Tulip-garden-78'), { outcome: 'invalid', errors: [{ field: 'confirm', code: 'LK_PASSWORDS_DIFFER' }] });
    assert.deepEqual(await attempt(''), { outcome: 'invalid', errors: [{ field: 'password', code: 'LK_PASSWORD_REQUIRED' }] });
    assert.equal(await bindAs(person.dn, person.password), 'ok', 'the old password still signs in');
    assert.equal(await readAttribute(flows.admin, person.dn, 'pwdLastSet'), pwdLastSet);
    assert.deepEqual(await auditOf(ctx, user.samAccountName, 'reset'), [], 'no reset was made');
    assert.deepEqual(
      (await auditOf(ctx, user.samAccountName, 'password-refused')).map((entry) => entry.detail),
      ['no-name; reset', 'complexity; reset', 'min-length; reset'],
      'each refusal audited by its rule',
    );
    await noticesSettled();
    assert.equal(harness.mail.filter((message) => /was reset/.test(message.subject) && message.to.includes(user.mail ?? '')).length, 0, 'no notice');
    const next = freshPassword();
    assert.equal((await attempt(next)).outcome, 'done', 'a good password then goes through');
    assert.equal(await bindAs(person.dn, next), 'ok');
  });

  test("a password only the DC refuses (a stricter fine-grained policy) comes back as the DC's rule, audited as refused", async () => {
    const { harness, ctx, person, user } = await enrolledPerson(flows);
    await addMember(flows.admin, facts.strictPasswordGroup, person.dn);
    const requester = someone();
    const state = await verifiedFlow(harness, 'reset', user, requester);
    // Ten characters and complex: the domain's rules (all the service account can read) allow it, the PSO's 12 do not.
    const outcome = await completeReset(ctx, state, { password: 'Kp9-Tulip!', confirm: 'Kp9-Tulip!' }, requester);
    assert.deepEqual(outcome, { outcome: 'invalid', errors: [{ field: 'password', code: 'LK_PASSWORD_TOO_SHORT', params: { minLength: 12 } }] });
    assert.equal(await bindAs(person.dn, person.password), 'ok');
    assert.deepEqual(await auditOf(ctx, user.samAccountName, 'reset'), [{ category: 'self-service', outcome: 'refused', detail: 'LK_PASSWORD_TOO_SHORT' }]);
  });
});

forEachDatabase('reset and unlock: refused after verification', (database) => {
  const flows = flowFixture(() => database.store());

  test('a verified account disabled meanwhile is refused, audited, and left alone', async () => {
    const { harness, ctx, person, user } = await enrolledPerson(flows);
    const requester = someone();
    const state = await verifiedFlow(harness, 'reset', user, requester);
    const setControl = (value: string) =>
      flows.admin.modify(person.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: [value] }) }));
    await setControl('514');
    const next = freshPassword();
    assert.deepEqual(await completeReset(ctx, state, { password: next, confirm: next }, requester), { outcome: 'refused', refusal: 'disabled' });
    assert.deepEqual(await auditOf(ctx, user.samAccountName, 'reset'), [{ category: 'self-service', outcome: 'refused', detail: 'account disabled' }]);
    await setControl('512');
    assert.equal(await bindAs(person.dn, person.password), 'ok', 'the password was not set');
  });

  test('a privileged account is refused even after verification, and its password is untouched', async () => {
    const harness = await flows.harness();
    const { ctx } = harness;
    const admin = await ctx.directory.findUser(facts.protectedUser.sam);
    assert.ok(admin);
    await enrollInStore(ctx, admin, { email: 'it-admin-private@latchkey.test' });
    const requester = someone();
    for (const kind of ['reset', 'unlock'] as const) {
      const state = await verifiedFlow(harness, kind, admin, requester);
      const next = freshPassword();
      const outcome =
        kind === 'reset' ? await completeReset(ctx, state, { password: next, confirm: next }, requester) : await completeUnlock(ctx, state, requester);
      assert.deepEqual(outcome, { outcome: 'refused', refusal: 'protected' }, kind);
    }
    const refused = await ctx.store.audit.query({ actor: admin.samAccountName, action: 'protected-refused' });
    assert.equal(refused.length, 2);
    assert.match(refused[0]?.detail ?? '', /adminCount is 1/);
    assert.equal(await bindAs(facts.protectedUser.dn, facts.userPassword), 'ok');
  });
});
