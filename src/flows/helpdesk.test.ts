/**
 * The helpdesk as plain functions, against the real dev domain and both databases: an operator
 * of a helpdesk group resets and unlocks users of the OUs assigned to it (a reset only once the
 * caller is verified), and is refused, on the helpdesk trail, for anyone out of scope, a fellow
 * operator, an admin, a privileged account, and their own account.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { Secret, TOTP } from 'otpauth';
import { totpSecretName } from '../store/totp.ts';
import { rejectsWithCode } from '../testing/assertions.ts';
import { forEachDatabase } from '../testing/databases.ts';
import { bindAs, createGroup, devDomain, freshPassword, readAttribute, type TestUser } from '../testing/dev-domain.ts';
import { codeMailedTo, enrollInStore, type FlowFixture, type FlowHarness, flowFixture, lockInAd, someone } from '../testing/flow-context.ts';
import { register } from '../testing/passkey-fixture.ts';
import { callerVerified, checkCallerCode, checkCallerTotp, sendCallerCode } from './caller-verification.ts';
import type { Requester } from './context.ts';
import { noticesSettled } from './credential-notices.ts';
import {
  activeOperator,
  clearEnrollment,
  clearPasskeys,
  clearRecoveryCodesForCaller,
  removeTotpForCaller,
  resetForCaller,
  searchUsers,
  signInToHelpdesk,
  unlockForCaller,
  userDetails,
} from './helpdesk.ts';
import type { Desk } from './helpdesk-guard.ts';
import { generateRecoveryCodes, recoveryCodesLeft } from './recovery-codes.ts';
import { hasTotp } from './totp.ts';

const facts = devDomain();

interface HelpdeskSuite {
  readonly flows: FlowFixture;
  /** An operator and a colleague, in a helpdesk group of their own scoped to OU=Staff. */
  readonly operator: TestUser;
  readonly colleague: TestUser;
  readonly group: string;
  /** The operator signed in at the desk, from `requester`. */
  desk(harness: FlowHarness, requester: Requester): Promise<Desk>;
  guidOf(user: TestUser): Promise<string>;
  /** The helpdesk trail's entries about `target` (newest first). */
  trail(harness: FlowHarness, target: { sam: string }, action?: string): Promise<{ actor: string; action: string; outcome: string; detail: string | null }[]>;
}

/** A suite on each database with its own operator, colleague and helpdesk group. */
function helpdeskSuite(name: string, declare: (hd: HelpdeskSuite) => void): void {
  forEachDatabase(name, (database) => {
    let operator: TestUser;
    let colleague: TestUser;
    let group: string;
    const flows = flowFixture(
      () => database.store(),
      () => ({ helpdesk: { groups: [{ group, scopes: [facts.ous.staff] }] } }),
    );
    before(async () => {
      operator = await flows.person();
      colleague = await flows.person();
      group = await createGroup(flows.admin, [operator.dn, colleague.dn]);
      flows.removeAfter(group);
    });
    declare({
      flows,
      get operator() {
        return operator;
      },
      get colleague() {
        return colleague;
      },
      get group() {
        return group;
      },
      async desk(harness, requester) {
        const signed = await signInToHelpdesk(harness.ctx, { name: operator.sam, password: operator.password }, requester);
        assert.ok(signed.ok, 'the operator signs in');
        return activeOperator(harness.ctx, signed.session, requester);
      },
      guidOf: async (user) => (await flows.account(user)).guid,
      trail: async (harness, target, action) =>
        (await harness.ctx.store.audit.query({ category: 'helpdesk', ...(action ? { action } : {}) }))
          .filter((entry) => entry.target === target.sam)
          .map((entry) => ({ actor: entry.actor, action: entry.action, outcome: entry.outcome, detail: entry.detail })),
    });
  });
}

helpdeskSuite('helpdesk: who gets a desk, and unlocks', (hd) => {
  test('only a member of a helpdesk group gets a desk; a refusal is audited', async () => {
    const harness = await hd.flows.harness();
    const plain = await hd.flows.person();
    const refused = await signInToHelpdesk(harness.ctx, { name: plain.sam, password: plain.password }, someone());
    assert.equal(refused.ok === false && refused.error.code, 'LK_NOT_HELPDESK');
    const entries = await harness.ctx.store.audit.query({ category: 'helpdesk', actor: plain.sam, action: 'sign-in' });
    assert.deepEqual(
      entries.map((e) => [e.outcome, e.detail]),
      [['refused', 'not in a helpdesk group']],
    );
    const wrong = await signInToHelpdesk(harness.ctx, { name: hd.operator.sam, password: 'Wrong-password-1' }, someone());
    assert.equal(wrong.ok === false && wrong.error.code, 'LK_INVALID_CREDENTIALS');
    const { session, authority } = await hd.desk(harness, someone());
    assert.equal(session.sam, hd.operator.sam);
    assert.deepEqual(authority.scopes, [facts.ous.staff]);
  });

  test('an unlock in scope clears the AD lockout and keeps the password; audited with operator and target', async () => {
    const harness = await hd.flows.harness();
    const requester = someone();
    const atDesk = await hd.desk(harness, requester);
    const caller = await hd.flows.person();
    await lockInAd(caller);
    await unlockForCaller(harness.ctx, atDesk, await hd.guidOf(caller), requester);
    assert.equal(await bindAs(caller.dn, caller.password), 'ok');
    const entries = await hd.trail(harness, caller, 'unlock');
    assert.deepEqual(
      entries.map((e) => [e.actor, e.outcome]),
      [[hd.operator.sam, 'success']],
    );
    assert.match(entries[0]?.detail ?? '', /^caller verified: no; unlocked/);
  });

  // README ("Helpdesk"): "Every action is in the Helpdesk trail with hd.operator, account, outcome
  // and whether the caller was verified." Only the reset's entry says it; unlock, must-change,
  // clear-enrollment and clear-lockout record e.g. "unlocked" alone (helpdesk.ts act()).
  test('an unlock on the helpdesk trail says whether the caller was verified', async () => {
    const harness = await hd.flows.harness();
    const requester = someone();
    const atDesk = await hd.desk(harness, requester);
    const caller = await hd.flows.person();
    await unlockForCaller(harness.ctx, atDesk, await hd.guidOf(caller), requester);
    const [entry] = await hd.trail(harness, caller, 'unlock');
    assert.match(entry?.detail ?? '', /caller verified: no/);
  });

  test('clearing a user’s passkeys removes them all, on the helpdesk trail; out of scope, nothing is removed', async () => {
    const harness = await hd.flows.harness();
    const { ctx } = harness;
    const requester = someone();
    const atDesk = await hd.desk(harness, requester);
    const caller = await hd.flows.account(await hd.flows.person());
    const outsider = await hd.flows.account(await hd.flows.person('contractors'));
    for (const user of [caller, caller, outsider]) assert.equal((await register(ctx, user)).outcome.outcome, 'added');
    assert.equal((await userDetails(ctx, atDesk, caller.guid, requester)).passkeys, 2);
    await clearPasskeys(ctx, atDesk, caller.guid, requester);
    assert.equal(await ctx.store.passkeys.count(caller.guid), 0);
    const [entry] = await hd.trail(harness, { sam: caller.samAccountName }, 'passkeys-cleared');
    assert.deepEqual([entry?.actor, entry?.outcome, entry?.detail], [hd.operator.sam, 'success', 'caller verified: no; passkeys removed']);
    await rejectsWithCode(clearPasskeys(ctx, atDesk, outsider.guid, requester), 'LK_OUT_OF_SCOPE');
    assert.equal(await ctx.store.passkeys.count(outsider.guid), 1);
  });
});

helpdeskSuite('helpdesk: resets', (hd) => {
  test('a reset in scope waits for the caller to be verified; then the new password binds and the lockout is gone', async () => {
    const harness = await hd.flows.harness();
    const { ctx } = harness;
    const requester = someone();
    const atDesk = await hd.desk(harness, requester);
    const caller = await hd.flows.person();
    const guid = await hd.guidOf(caller);
    await lockInAd(caller);
    const pwdLastSet = await readAttribute(hd.flows.admin, caller.dn, 'pwdLastSet');
    const next = freshPassword();
    const typed = { mode: 'typed', password: next, confirm: next, mustChange: false } as const;
    await rejectsWithCode(resetForCaller(ctx, atDesk, guid, typed, requester), 'LK_CALLER_NOT_VERIFIED');
    assert.equal(await readAttribute(hd.flows.admin, caller.dn, 'pwdLastSet'), pwdLastSet, 'no password was set');
    assert.equal(await bindAs(caller.dn, caller.password), '775', 'still locked');

    await sendCallerCode(ctx, atDesk, guid, 'email', requester);
    const code = codeMailedTo(harness, `${caller.sam}@${facts.dnsDomain}`);
    assert.equal(await checkCallerCode(ctx, atDesk, guid, code, requester), true, 'the caller read out the code');
    assert.deepEqual(await resetForCaller(ctx, atDesk, guid, typed, requester), { outcome: 'done', generated: null });
    assert.equal(await bindAs(caller.dn, next), 'ok', 'set, and unlocked');
    assert.equal(await bindAs(caller.dn, caller.password), '52e');

    await noticesSettled();
    assert.deepEqual((await hd.trail(harness, caller)).reverse(), [
      { actor: hd.operator.sam, action: 'reset', outcome: 'refused', detail: 'caller not verified' },
      { actor: hd.operator.sam, action: 'caller-verification', outcome: 'success', detail: 'code sent by email' },
      { actor: hd.operator.sam, action: 'caller-verification', outcome: 'success', detail: 'code: accepted' },
      { actor: hd.operator.sam, action: 'reset', outcome: 'success', detail: 'caller verified: yes; typed; must change: no' },
      { actor: hd.operator.sam, action: 'notice-sent', outcome: 'success', detail: 'notice helpdesk-reset: e-mail to 1 address(es)' },
    ]);
    const selfService = await ctx.store.audit.query({ category: 'self-service', actor: caller.sam });
    assert.deepEqual(selfService, [], 'nothing on the self-service trail: the operator acted');
    const [reset] = await ctx.store.audit.query({ category: 'helpdesk', actor: hd.operator.sam, action: 'reset', outcome: 'success' });
    assert.deepEqual([reset?.target, reset?.targetName], [caller.sam, caller.displayName], "the entry names the caller's display name");
    assert.equal(reset?.actorName, atDesk.session.displayName, "and the operator's");
    assert.ok(atDesk.session.displayName, 'the operator has a display name to record');
    assert.ok((await ctx.store.audit.query({})).every((entry) => !JSON.stringify(entry).includes(next) && !JSON.stringify(entry).includes(code)));
  });

  test('a generated password is handed out once, meets the policy and must be changed; it is kept nowhere', async () => {
    const harness = await hd.flows.harness();
    const { ctx } = harness;
    const requester = someone();
    const atDesk = await hd.desk(harness, requester);
    const caller = await hd.flows.person();
    const guid = await hd.guidOf(caller);
    await sendCallerCode(ctx, atDesk, guid, 'email', requester);
    assert.equal(await checkCallerCode(ctx, atDesk, guid, codeMailedTo(harness, `${caller.sam}@${facts.dnsDomain}`), requester), true);
    const done = await resetForCaller(ctx, atDesk, guid, { mode: 'generated', mustChange: true }, requester);
    assert.equal(done.outcome, 'done');
    const generated = done.outcome === 'done' ? done.generated : null;
    assert.ok(generated && generated.replace(/-/g, '').length >= ctx.policy.helpdesk.generatedPasswordLength, String(generated));
    assert.equal(await bindAs(caller.dn, generated), '773', 'the generated password is set, to be changed at next logon');
    assert.ok((await ctx.store.audit.query({})).every((entry) => !JSON.stringify(entry).includes(generated)));
  });
});

helpdeskSuite('helpdesk: what an operator may not touch', (hd) => {
  test('a user outside the scopes is refused for every tool, is not found by a search, and is left as it was', async () => {
    const harness = await hd.flows.harness();
    const { ctx } = harness;
    const requester = someone();
    const atDesk = await hd.desk(harness, requester);
    const outsider = await hd.flows.person('contractors');
    const guid = await hd.guidOf(outsider);
    await lockInAd(outsider);
    await rejectsWithCode(userDetails(ctx, atDesk, guid, requester), 'LK_OUT_OF_SCOPE');
    await rejectsWithCode(unlockForCaller(ctx, atDesk, guid, requester), 'LK_OUT_OF_SCOPE');
    await rejectsWithCode(resetForCaller(ctx, atDesk, guid, { mode: 'generated', mustChange: false }, requester), 'LK_OUT_OF_SCOPE');
    await rejectsWithCode(sendCallerCode(ctx, atDesk, guid, 'email', requester), 'LK_OUT_OF_SCOPE');
    assert.equal(harness.mail.filter((message) => message.to.includes(`${outsider.sam}@${facts.dnsDomain}`)).length, 0, 'no code sent');
    assert.deepEqual((await searchUsers(ctx, atDesk, outsider.sam, undefined, requester)).users, []);
    assert.equal(await bindAs(outsider.dn, outsider.password), '775', 'still locked: nothing was done');
    assert.deepEqual((await hd.trail(harness, outsider)).map((e) => `${e.action}:${e.outcome}:${e.detail}`).reverse(), [
      'refused:refused:user-view: out of scope',
      'refused:refused:unlock: out of scope',
      'refused:refused:reset: out of scope',
      'refused:refused:caller-verification: out of scope',
    ]);
  });

  test('a fellow operator, an admin and a privileged account in scope are refused, audited, and left alone', async () => {
    const harness = await hd.flows.harness();
    const { ctx } = harness;
    const requester = someone();
    const atDesk = await hd.desk(harness, requester);
    const admin = { sam: facts.admins.member, dn: facts.admins.memberDn };
    const privileged = { sam: facts.protectedUser.sam, dn: facts.protectedUser.dn };
    const refusedWith: [{ sam: string; dn: string }, string][] = [
      [hd.colleague, 'LK_HELPDESK_STAFF_ACCOUNT'],
      [admin, 'LK_HELPDESK_STAFF_ACCOUNT'],
      [privileged, 'LK_ACCOUNT_PROTECTED'],
    ];
    for (const [account, code] of refusedWith) {
      const target = await ctx.directory.findUser(account.sam);
      assert.ok(target, account.sam);
      assert.ok(target.dn.endsWith(facts.ous.staff), `${account.sam} is in scope`);
      await rejectsWithCode(userDetails(ctx, atDesk, target.guid, requester), code);
      await rejectsWithCode(unlockForCaller(ctx, atDesk, target.guid, requester), code);
      await rejectsWithCode(resetForCaller(ctx, atDesk, target.guid, { mode: 'generated', mustChange: false }, requester), code);
      const refusals = await hd.trail(harness, account);
      assert.equal(refusals.length, 3, account.sam);
      assert.ok(
        refusals.every((e) => e.actor === hd.operator.sam && e.action === 'refused' && e.outcome === 'refused'),
        JSON.stringify(refusals),
      );
    }
    assert.match((await hd.trail(harness, hd.colleague))[0]!.detail ?? '', /staff account \(member of the helpdesk group/);
    assert.match((await hd.trail(harness, admin))[0]!.detail ?? '', /staff account \(member of the admin group/);
    assert.match((await hd.trail(harness, privileged))[0]!.detail ?? '', /privileged account/);
    assert.equal(await bindAs(hd.colleague.dn, hd.colleague.password), 'ok');
    assert.equal(await bindAs(facts.protectedUser.dn, facts.userPassword), 'ok');
  });

  test('the operator cannot act on their own account', async () => {
    const harness = await hd.flows.harness();
    const { ctx } = harness;
    const requester = someone();
    const atDesk = await hd.desk(harness, requester);
    const own = atDesk.session.guid;
    await rejectsWithCode(userDetails(ctx, atDesk, own, requester), 'LK_HELPDESK_OWN_ACCOUNT');
    await rejectsWithCode(resetForCaller(ctx, atDesk, own, { mode: 'generated', mustChange: false }, requester), 'LK_HELPDESK_OWN_ACCOUNT');
    await rejectsWithCode(unlockForCaller(ctx, atDesk, own, requester), 'LK_HELPDESK_OWN_ACCOUNT');
    const refusals = await hd.trail(harness, hd.operator, 'refused');
    assert.deepEqual(refusals.map((e) => e.detail).reverse(), ['user-view: own account', 'reset: own account', 'unlock: own account']);
    assert.equal(await bindAs(hd.operator.dn, hd.operator.password), 'ok');
  });

  test('an operator taken out of the group loses the desk at the next request', async () => {
    const harness = await hd.flows.harness();
    const requester = someone();
    const signed = await signInToHelpdesk(harness.ctx, { name: hd.colleague.sam, password: hd.colleague.password }, requester);
    assert.ok(signed.ok);
    await hd.flows.admin.modify(hd.group, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [hd.colleague.dn] }) }));
    try {
      await rejectsWithCode(activeOperator(harness.ctx, signed.session, requester), 'LK_SIGN_IN_REQUIRED');
      const entries = await harness.ctx.store.audit.query({ category: 'helpdesk', actor: hd.colleague.sam, action: 'refused' });
      assert.deepEqual(
        entries.map((e) => e.detail),
        ['no longer in a helpdesk group'],
      );
    } finally {
      await hd.flows.admin.modify(hd.group, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [hd.colleague.dn] }) }));
    }
  });
});

helpdeskSuite('helpdesk: authenticator app and recovery codes', (hd) => {
  const SECRET = new Secret({ size: 20 }).base32;
  const codeNow = (harness: FlowHarness) =>
    TOTP.generate({ secret: Secret.fromBase32(SECRET), algorithm: 'SHA1', digits: 6, period: 30, timestamp: harness.ctx.now() });

  /** A caller in scope, enrolled, with an app bound (SECRET) and a set of recovery codes. */
  async function callerWithFactors(harness: FlowHarness) {
    const caller = await hd.flows.person();
    const user = await hd.flows.account(caller);
    await enrollInStore(harness.ctx, user);
    await harness.ctx.store.totp.bind({
      userGuid: user.guid,
      sealedSecret: await harness.ctx.secrets.seal(totpSecretName(user.guid), SECRET),
      now: harness.ctx.now(),
    });
    await generateRecoveryCodes(harness.ctx, { guid: user.guid, sam: user.samAccountName }, someone());
    return { caller, user };
  }

  test("the caller reads out their app's code: it verifies them once; a replay or a wrong code is a wrong caller check", async () => {
    const harness = await hd.flows.harness();
    const requester = someone();
    const atDesk = await hd.desk(harness, requester);
    const { caller, user } = await callerWithFactors(harness);
    assert.equal((await userDetails(harness.ctx, atDesk, user.guid, requester)).totp, true);
    assert.equal(await checkCallerTotp(harness.ctx, atDesk, user.guid, '000000', requester), false);
    const code = codeNow(harness);
    assert.equal(await checkCallerTotp(harness.ctx, atDesk, user.guid, code, requester), true);
    assert.equal(callerVerified(harness.ctx, atDesk, user), true);
    const colleague = await hd.desk(harness, requester);
    assert.equal(await checkCallerTotp(harness.ctx, colleague, user.guid, code, requester), false, 'a code read out once is spent');
    assert.deepEqual(
      (await hd.trail(harness, caller, 'caller-verification')).map((e) => [e.outcome, e.detail]),
      [
        ['refused', 'authenticator code: replayed'],
        ['success', 'authenticator code: accepted'],
        ['refused', 'authenticator code: wrong'],
      ],
    );
  });

  test('clearing the enrollment leaves the factors; removing the app and clearing the codes are separate tools, audited', async () => {
    const harness = await hd.flows.harness();
    const requester = someone();
    const atDesk = await hd.desk(harness, requester);
    const { caller, user } = await callerWithFactors(harness);
    await clearEnrollment(harness.ctx, atDesk, user.guid, requester);
    assert.equal(await hasTotp(harness.ctx, user.guid), true);
    assert.equal(await recoveryCodesLeft(harness.ctx, user.guid), 10);
    await removeTotpForCaller(harness.ctx, atDesk, user.guid, requester);
    assert.equal(await hasTotp(harness.ctx, user.guid), false);
    assert.equal(await recoveryCodesLeft(harness.ctx, user.guid), 10, 'the codes stay');
    await clearRecoveryCodesForCaller(harness.ctx, atDesk, user.guid, requester);
    assert.equal(await recoveryCodesLeft(harness.ctx, user.guid), 0);
    for (const action of ['totp-removed', 'recovery-codes-cleared'])
      assert.deepEqual(
        (await hd.trail(harness, caller, action)).map((e) => [e.actor, e.outcome]),
        [[hd.operator.sam, 'success']],
        action,
      );
  });

  test('an account outside the scopes keeps its factors: both tools are refused and audited', async () => {
    const harness = await hd.flows.harness();
    const requester = someone();
    const atDesk = await hd.desk(harness, requester);
    const outsider = await hd.flows.account(await hd.flows.person('contractors'));
    await harness.ctx.store.totp.bind({ userGuid: outsider.guid, sealedSecret: await harness.ctx.secrets.seal(totpSecretName(outsider.guid), SECRET), now: 0 });
    await generateRecoveryCodes(harness.ctx, { guid: outsider.guid, sam: outsider.samAccountName }, someone());
    await rejectsWithCode(removeTotpForCaller(harness.ctx, atDesk, outsider.guid, requester), 'LK_OUT_OF_SCOPE');
    await rejectsWithCode(clearRecoveryCodesForCaller(harness.ctx, atDesk, outsider.guid, requester), 'LK_OUT_OF_SCOPE');
    await rejectsWithCode(checkCallerTotp(harness.ctx, atDesk, outsider.guid, codeNow(harness), requester), 'LK_OUT_OF_SCOPE');
    assert.equal(await hasTotp(harness.ctx, outsider.guid), true);
    assert.equal(await recoveryCodesLeft(harness.ctx, outsider.guid), 10);
    assert.deepEqual(
      (await hd.trail(harness, { sam: outsider.samAccountName }, 'refused')).map((e) => e.detail),
      ['caller-verification: out of scope', 'recovery-codes-cleared: out of scope', 'totp-removed: out of scope'],
    );
  });
});
