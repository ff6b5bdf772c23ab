/**
 * Latchkey's password rules on every flow that sets a password, against the real dev domain and
 * both databases: a password a rule refuses is refused before the DC is asked (pwdLastSet
 * unchanged, the old password still binds), audited by its rule; a strong one goes through; a
 * group's stricter policy applies to its members only; the public change checks nothing before
 * the old password is proven; what the flows do with an online check that cannot answer; and the
 * helpdesk's generated password is never one the screen finds. (Breached and common passwords
 * refused through the portal with a real index: src/web/routes/screening.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PasswordScreen, ScreenVerdict } from '../passwords/screen.ts';
import { type ClosablePasswordScreen, createPasswordScreen } from '../passwords/screening.ts';
import { forEachDatabase } from '../testing/databases.ts';
import { addMember, bindAs, createGroup, devDomain, freshPassword, readAttribute, type TestUser } from '../testing/dev-domain.ts';
import { auditOf, enrolledPerson, flowFixture, someone, verifiedFlow } from '../testing/flow-context.ts';
import { freePort } from '../testing/ports.ts';
import { testScreen } from '../testing/screen.ts';
import { changeOwnPassword } from './account.ts';
import { changePassword } from './change.ts';
import type { FlowContext } from './context.ts';
import { activeOperator, resetForCaller, signInToHelpdesk } from './helpdesk.ts';
import { completeReset } from './reset.ts';

const facts = devDomain();
/** Strong by every rule, reported breached by the test screen of the test that names it. */
const BREACHED = 'Horse-Kp9-Qz!-river';
/** Long and varied, but holding a banned word, disguised. */
const BANNED = 'W1nt3r-Kp9-Qz!-river';

const bannedError = (field: string) => ({ field, code: 'LK_PASSWORD_BANNED_WORD', params: { word: 'winter' } });

const folder = mkdtempSync(join(tmpdir(), 'latchkey-new-password-'));
const screenings: ClosablePasswordScreen[] = [];
after(() => {
  for (const screening of screenings) screening.close();
  rmSync(folder, { recursive: true, force: true });
});

/** The portal's own screening, no index imported, with the online check on and its service not answering (a closed port). */
async function unreachableOnline(ctx: FlowContext, whenUnreachable: 'allow' | 'refuse'): Promise<PasswordScreen> {
  const url = `http://127.0.0.1:${await freePort()}/range/`;
  const screening = createPasswordScreen({
    settings: () => ({ ...ctx.policy.breachedPasswords, online: { enabled: true, url, timeoutMs: 1000, whenUnreachable } }),
    indexFile: join(folder, 'none.idx'),
    log: ctx.log,
  });
  screenings.push(screening);
  return screening;
}

forEachDatabase('new passwords: rules and screening on every flow', (database) => {
  let deskGroup: string;
  let strictGroup: string;
  let operator: TestUser;
  const flows = flowFixture(
    () => database.store(),
    () => ({
      helpdesk: { groups: [{ group: deskGroup, scopes: [facts.ous.staff] }], requireCallerVerification: false },
      passwordPolicy: { bannedWords: ['winter'], groups: [{ group: strictGroup, minLength: 24 }] },
    }),
  );
  before(async () => {
    operator = await flows.person();
    deskGroup = await createGroup(flows.admin, [operator.dn]);
    strictGroup = await createGroup(flows.admin);
    flows.removeAfter(deskGroup);
    flows.removeAfter(strictGroup);
  });

  /** The account's password facts, to show nothing was written. */
  const unchanged = async (person: TestUser, pwdLastSet: string | undefined) => {
    assert.equal(await readAttribute(flows.admin, person.dn, 'pwdLastSet'), pwdLastSet, 'pwdLastSet unchanged');
    assert.equal(await bindAs(person.dn, person.password), 'ok', 'the old password still binds');
  };
  const screened = async (screening: PasswordScreen): Promise<FlowContext> => ({ ...(await flows.harness()).ctx, screen: screening });

  test('reset: a rule refuses before the DC is asked, audited by rule; with the online check unanswered and allowed, a strong one is set and the warning audited', async () => {
    const { harness, person, user } = await enrolledPerson(flows);
    const ctx = harness.ctx;
    const requester = someone();
    const state = await verifiedFlow(harness, 'reset', user, requester);
    const pwdLastSet = await readAttribute(flows.admin, person.dn, 'pwdLastSet');
    assert.deepEqual(await completeReset(ctx, state, { password: BANNED, confirm: BANNED }, requester), {
      outcome: 'invalid',
      errors: [bannedError('password')],
    });
    await unchanged(person, pwdLastSet);
    assert.deepEqual(await auditOf(ctx, user.samAccountName, 'password-refused'), [
      { category: 'self-service', outcome: 'refused', detail: 'banned-words; reset' },
    ]);
    assert.deepEqual(await auditOf(ctx, user.samAccountName, 'reset'), [], 'no reset was tried');
    const next = freshPassword();
    const warned = { ...ctx, screen: await unreachableOnline(ctx, 'allow') };
    assert.equal((await completeReset(warned, state, { password: next, confirm: next }, requester)).outcome, 'done');
    assert.equal(await bindAs(person.dn, next), 'ok');
    assert.deepEqual(await auditOf(ctx, user.samAccountName, 'password-warning'), [
      { category: 'self-service', outcome: 'success', detail: 'online-unreachable; reset' },
    ]);
    assert.ok((await ctx.store.audit.query({})).every((entry) => ![BANNED, next].some((password) => JSON.stringify(entry).includes(password))));
  });

  test('public change: with the old password proven, a rule refuses and names itself, and the rules are shown; a strong one is set', async (t) => {
    const person = await flows.person();
    const ctx = (await flows.harness()).ctx;
    const pwdLastSet = await readAttribute(flows.admin, person.dn, 'pwdLastSet');
    const attempt = (newPassword: string) =>
      changePassword(ctx, { name: person.sam, oldPassword: person.password, newPassword, confirm: newPassword }, someone());
    const banned = await attempt(BANNED);
    assert.equal(banned.outcome, 'invalid');
    assert.deepEqual(banned.outcome === 'invalid' && banned.errors, [bannedError('newPassword')]);
    assert.ok(
      banned.outcome === 'invalid' && banned.rules?.hints.some((hint) => hint.id === 'no-name' && hint.data.words?.includes(person.sam)),
      "the account's rules, now shown",
    );
    await unchanged(person, pwdLastSet);
    assert.deepEqual(
      (await auditOf(ctx, person.sam, 'password-refused')).map((entry) => entry.detail),
      ['banned-words; change'],
    );
    const next = freshPassword();
    const policyReads = t.mock.method(ctx.directory, 'passwordPolicy');
    assert.deepEqual(await attempt(next), { outcome: 'done' });
    assert.equal(await bindAs(person.dn, next), 'ok');
    assert.equal(policyReads.mock.callCount(), 1, "the account's policy is read once: the lockout check's serves the new password's check");
  });

  test('public change: before the old password is proven nothing is checked or screened, whatever the new password', async () => {
    const person = await flows.person();
    const probe = testScreen({ [BREACHED]: { outcome: 'breached', count: 1203 } });
    const ctx = await screened(probe);
    for (const newPassword of [BANNED, BREACHED, `${person.sam}-Kp9`, 'aaaaaaaa']) {
      const outcome = await changePassword(ctx, { name: person.sam, oldPassword: 'Wrong-Password-1', newPassword, confirm: newPassword }, someone());
      assert.deepEqual(outcome, { outcome: 'invalid', errors: [{ field: 'oldPassword', code: 'LK_INVALID_CREDENTIALS' }] }, newPassword);
    }
    assert.deepEqual(probe.checked, [], 'the screen was not asked');
    assert.deepEqual(await auditOf(ctx, person.sam, 'password-refused'), []);
  });

  test('/me: a rule refuses before the old password is even tried; a strong one is set', async () => {
    const person = await flows.person();
    const user = await flows.account(person);
    const ctx = (await flows.harness()).ctx;
    const pwdLastSet = await readAttribute(flows.admin, person.dn, 'pwdLastSet');
    const attempt = (newPassword: string) => changeOwnPassword(ctx, user, { oldPassword: person.password, newPassword, confirm: newPassword }, someone());
    assert.deepEqual(await attempt(BANNED), { outcome: 'invalid', errors: [bannedError('newPassword')] });
    await unchanged(person, pwdLastSet);
    assert.deepEqual(
      (await auditOf(ctx, person.sam, 'password-refused')).map((entry) => entry.detail),
      ['banned-words; me'],
    );
    const next = freshPassword();
    assert.deepEqual(await attempt(next), { outcome: 'done' });
    assert.equal(await bindAs(person.dn, next), 'ok');
  });

  test("a group's stricter policy applies to its members (transitively) and not to others", async () => {
    const member = await flows.person();
    const other = await flows.person();
    const nested = await createGroup(flows.admin, [member.dn]);
    flows.removeAfter(nested);
    await addMember(flows.admin, strictGroup, nested);
    const ctx = (await flows.harness()).ctx;
    const next = freshPassword();
    const change = async (person: TestUser) =>
      changeOwnPassword(ctx, await flows.account(person), { oldPassword: person.password, newPassword: next, confirm: next }, someone());
    assert.deepEqual(await change(member), {
      outcome: 'invalid',
      errors: [{ field: 'newPassword', code: 'LK_PASSWORD_TOO_SHORT', params: { minLength: 24 } }],
    });
    assert.equal(await bindAs(member.dn, member.password), 'ok');
    assert.deepEqual(await change(other), { outcome: 'done' }, 'the same password is fine for a non-member');
  });

  test('helpdesk, typed: a rule refuses before the DC is asked, on the helpdesk trail; a strong one is set', async () => {
    const caller = await flows.person();
    const ctx = (await flows.harness()).ctx;
    const requester = someone();
    const desk = await deskOf(ctx, operator, requester);
    const guid = (await flows.account(caller)).guid;
    const pwdLastSet = await readAttribute(flows.admin, caller.dn, 'pwdLastSet');
    const attempt = (password: string) => resetForCaller(ctx, desk, guid, { mode: 'typed', password, confirm: password, mustChange: false }, requester);
    assert.deepEqual(await attempt(BANNED), { outcome: 'invalid', errors: [bannedError('password')] });
    await unchanged(caller, pwdLastSet);
    const trail = (await ctx.store.audit.query({ category: 'helpdesk', action: 'password-refused' })).filter((entry) => entry.target === caller.sam);
    assert.deepEqual(
      trail.map((entry) => [entry.actor, entry.detail]),
      [[operator.sam, 'banned-words; helpdesk; typed']],
    );
    const next = freshPassword();
    assert.deepEqual(await attempt(next), { outcome: 'done', generated: null });
    assert.equal(await bindAs(caller.dn, next), 'ok');
  });

  test('helpdesk, generated: drawn again until the screen clears it and every rule (a group minimum too) passes', async () => {
    const caller = await flows.person();
    await addMember(flows.admin, strictGroup, caller.dn);
    const verdicts: ScreenVerdict[] = [{ outcome: 'breached', count: 7 }, { outcome: 'common' }];
    const checked: string[] = [];
    const ctx = await screened({
      check: async (password) => {
        checked.push(password);
        return verdicts.shift() ?? { outcome: 'clear' };
      },
      range: async () => [],
    });
    const requester = someone();
    const desk = await deskOf(ctx, operator, requester);
    const done = await resetForCaller(ctx, desk, (await flows.account(caller)).guid, { mode: 'generated', mustChange: false }, requester);
    assert.equal(done.outcome, 'done');
    const generated = done.outcome === 'done' ? done.generated : null;
    assert.equal(checked.length, 3, 'two found by the screen, the third handed out');
    assert.equal(generated, checked[2]);
    assert.ok(!checked.slice(0, 2).includes(generated!), 'never one the screen found');
    assert.ok(generated && generated.length >= 24, `at least the group's minimum: ${generated}`);
    assert.equal(await bindAs(caller.dn, generated!), 'ok');
  });

  test('helpdesk, generated: when the online check cannot answer and the admin chose to refuse then, nothing is set and the operator is told', async () => {
    const caller = await flows.person();
    const base = (await flows.harness()).ctx;
    const ctx = { ...base, screen: await unreachableOnline(base, 'refuse') };
    const requester = someone();
    const desk = await deskOf(ctx, operator, requester);
    const pwdLastSet = await readAttribute(flows.admin, caller.dn, 'pwdLastSet');
    const outcome = await resetForCaller(ctx, desk, (await flows.account(caller)).guid, { mode: 'generated', mustChange: false }, requester);
    assert.deepEqual(outcome, { outcome: 'invalid', errors: [{ field: 'password', code: 'LK_PASSWORD_SCREEN_UNAVAILABLE' }] });
    await unchanged(caller, pwdLastSet);
  });
});

/** The operator signed in at the desk. */
async function deskOf(ctx: FlowContext, operator: TestUser, requester: ReturnType<typeof someone>) {
  const signed = await signInToHelpdesk(ctx, { name: operator.sam, password: operator.password }, requester);
  assert.ok(signed.ok, 'the operator signs in');
  return activeOperator(ctx, signed.session, requester);
}
