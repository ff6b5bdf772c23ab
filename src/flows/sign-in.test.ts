/**
 * Signing in with the AD password, the one guarded path every page that takes one goes through,
 * against the real dev domain and both databases: the right password in every spelling of the
 * name, a wrong one refused, the per-name limit stopping a stranger before AD locks the account,
 * and an unknown name answered exactly as a wrong password.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import { bindAs, devDomain, type TestUser } from '../testing/dev-domain.ts';
import { type FlowFixture, flowFixture, someone } from '../testing/flow-context.ts';
import { type SignInResult, signIn } from './sign-in.ts';

const facts = devDomain();
const MINUTE = 60_000;

/** What the page shows for a refusal: the coded error, never more. */
const shown = (result: SignInResult) => {
  assert.equal(result.ok, false, 'refused');
  return result.ok ? null : { code: result.error.code, message: result.error.message, status: result.error.status };
};
const reasonOf = (result: SignInResult) => (result.ok ? 'ok' : result.reason);

/** The account as its DC sees it now: the wrong passwords it counted, and whether it is locked. */
async function adState(flows: FlowFixture, user: TestUser) {
  const { state } = await flows.account(user);
  return { badPasswordCount: state.badPasswordCount, lockedOut: state.lockedOut };
}

forEachDatabase('sign-in', (database) => {
  const flows = flowFixture(() => database.store());

  test('the right password signs in, with any spelling of the name', async () => {
    const { ctx } = await flows.harness();
    const person = await flows.person();
    const guid = (await flows.account(person)).guid;
    for (const spelling of [
      { name: person.sam },
      { name: person.sam.toUpperCase() },
      { name: person.upn },
      { name: `${facts.netbiosDomain}\\${person.sam}` },
      { name: person.sam, domain: facts.dnsDomain },
    ]) {
      const result = await signIn(ctx, { ...spelling, password: person.password }, someone());
      assert.ok(result.ok, `${JSON.stringify(spelling)} signs in`);
      assert.equal(result.user.guid, guid);
    }
    assert.deepEqual(await adState(flows, person), { badPasswordCount: 0, lockedOut: false });
  });

  test('a wrong password is refused as "not correct", and the DC counted it', async () => {
    const { ctx } = await flows.harness();
    const person = await flows.person();
    const result = await signIn(ctx, { name: person.sam, password: `${person.password}x` }, someone());
    assert.equal(reasonOf(result), 'invalid-credentials');
    assert.equal(shown(result)?.code, 'LK_INVALID_CREDENTIALS');
    assert.deepEqual(await adState(flows, person), { badPasswordCount: 1, lockedOut: false });
    // The password is right only as typed.
    assert.equal(reasonOf(await signIn(ctx, { name: person.sam, password: person.password.toUpperCase() }, someone())), 'invalid-credentials');
  });

  test('wrong passwords from many addresses stop before AD locks the account, and the owner still signs in elsewhere', async () => {
    const { ctx } = await flows.harness();
    const { perUser } = ctx.policy.protection;
    const person = await flows.person();
    const results = [];
    // Each from a new address, and in changing spellings: only the per-name limit and the guard stand in the way.
    for (let i = 0; i < 8; i++) results.push(await signIn(ctx, { name: i % 2 ? person.upn : person.sam, password: `Wrong-password-${i}` }, someone()));
    // The domain locks at 5: four binds, then the guard refuses without one, then the per-name limit (5) takes over.
    assert.deepEqual(results.map(reasonOf), [
      'invalid-credentials',
      'invalid-credentials',
      'invalid-credentials',
      'invalid-credentials',
      'lockout-imminent',
      ...Array(8 - perUser.max).fill('rate-limited'),
    ]);
    assert.deepEqual(
      results.slice(0, 5).map((r) => shown(r)?.code),
      Array(5).fill('LK_INVALID_CREDENTIALS'),
      'the guard looks like a wrong password',
    );
    assert.equal(shown(results[7]!)?.code, 'LK_RATE_LIMITED');
    assert.deepEqual(await adState(flows, person), { badPasswordCount: 4, lockedOut: false }, 'one short of the threshold');
    // Now even the right password is not tried through the portal, but Windows lets the owner in.
    assert.equal(reasonOf(await signIn(ctx, { name: person.sam, password: person.password }, someone())), 'rate-limited');
    assert.equal(await bindAs(person.dn, person.password), 'ok');
  });

  test('an unknown name is refused exactly like a wrong password, and is limited the same', async () => {
    const { ctx } = await flows.harness();
    const { perUser } = ctx.policy.protection;
    const person = await flows.person();
    const nobody = `nosuch-${randomBytes(4).toString('hex')}`;
    const wrong = [];
    const unknown = [];
    for (let i = 0; i <= perUser.max; i++) {
      wrong.push(await signIn(ctx, { name: person.sam, password: 'Wrong-password-1' }, someone()));
      unknown.push(await signIn(ctx, { name: nobody, password: 'Wrong-password-1' }, someone()));
    }
    assert.equal(reasonOf(unknown[0]!), 'unknown-name');
    assert.equal(unknown[0]!.ok === false && unknown[0]!.user, null);
    assert.deepEqual(shown(unknown[0]!), shown(wrong[0]!), 'the same code, message and status');
    assert.deepEqual(unknown.map(shown), wrong.map(shown), 'try by try, up to and past the limit');
    assert.equal(shown(unknown.at(-1)!)?.code, 'LK_RATE_LIMITED');
  });

  test('an account locked out in AD answers as a wrong password, even to the right one', async () => {
    const { ctx } = await flows.harness();
    const person = await flows.person();
    for (let i = 0; i < 5; i++) await bindAs(person.dn, 'Wrong-password-1');
    assert.equal(await bindAs(person.dn, person.password), '775');
    const locked = await signIn(ctx, { name: person.sam, password: person.password }, someone());
    const wrong = await signIn(ctx, { name: (await flows.person()).sam, password: 'Wrong-password-1' }, someone());
    assert.deepEqual(shown(locked), shown(wrong), 'nothing tells a locked account apart');
  });

  test('a filled-in honeypot field is refused as a wrong password without trying it', async () => {
    const { ctx } = await flows.harness();
    const person = await flows.person();
    const result = await signIn(ctx, { name: person.sam, password: person.password, honeypot: 'https://spam.example' }, someone());
    assert.equal(reasonOf(result), 'bot');
    assert.equal(shown(result)?.code, 'LK_INVALID_CREDENTIALS');
  });
});

forEachDatabase('sign-in: a per-name limit below the lockout guard', (database) => {
  // Three tries per name: the limit, not the guard, is what stops the fourth.
  const flows = flowFixture(() => database.store(), { protection: { perUser: { max: 3, windowMinutes: 15 } } });

  test('a success starts the count over: the owner signing in ends a stranger’s run', async () => {
    const { ctx } = await flows.harness();
    const person = await flows.person();
    for (let i = 0; i < 2; i++) assert.equal(reasonOf(await signIn(ctx, { name: person.sam, password: 'Wrong-password-1' }, someone())), 'invalid-credentials');
    assert.ok((await signIn(ctx, { name: person.sam, password: person.password }, someone())).ok);
    for (let i = 0; i < 3; i++)
      assert.equal(
        reasonOf(await signIn(ctx, { name: person.sam, password: 'Wrong-password-1' }, someone())),
        'invalid-credentials',
        `try ${i + 1} after the success`,
      );
    assert.equal(reasonOf(await signIn(ctx, { name: person.sam, password: person.password }, someone())), 'rate-limited');
  });

  test('after the limit no password is tried: the DC sees no more binds, and the window passing lets the owner in', async () => {
    const { ctx, advanceClock } = await flows.harness();
    const person = await flows.person();
    const spellings = [person.sam, person.upn, person.sam.toUpperCase(), `${facts.netbiosDomain}\\${person.sam}`, person.upn.toUpperCase()];
    const results = [];
    for (const name of spellings) results.push(await signIn(ctx, { name, password: 'Wrong-password-1' }, someone()));
    assert.deepEqual(
      results.map(reasonOf),
      ['invalid-credentials', 'invalid-credentials', 'invalid-credentials', 'rate-limited', 'rate-limited'],
      'every spelling counts as the one name',
    );
    assert.equal(reasonOf(await signIn(ctx, { name: person.sam, password: person.password }, someone())), 'rate-limited', 'not even the right password');
    assert.deepEqual(await adState(flows, person), { badPasswordCount: 3, lockedOut: false }, 'only the three tried reached the DC');
    // (Last in this suite: the moved clock is ahead of the DC's.)
    advanceClock(16 * MINUTE);
    assert.ok((await signIn(ctx, { name: person.sam, password: person.password }, someone())).ok, 'the window passed');
  });
});

forEachDatabase('sign-in: a per-address limit that successes do not use up', (database) => {
  // Three wrong passwords per address: colleagues behind one office address sign in all day.
  const flows = flowFixture(() => database.store(), { protection: { perIp: { max: 3, windowMinutes: 15 }, perUser: { max: 100, windowMinutes: 15 } } });
  const office = { ip: '10.77.0.1' };

  test('successes never count; failures around them reach the limit exactly, which then stops a guesser and names the real account', async () => {
    const { ctx } = await flows.harness();
    const person = await flows.person();
    for (let i = 0; i < 5; i++) assert.ok((await signIn(ctx, { name: person.sam, password: person.password }, office)).ok, `success ${i + 1}`);
    const wrong = () => signIn(ctx, { name: person.sam, password: 'Wrong-password-1' }, office);
    for (let i = 0; i < 2; i++) assert.equal(reasonOf(await wrong()), 'invalid-credentials', `failure ${i + 1}`);
    assert.ok((await signIn(ctx, { name: person.sam, password: person.password }, office)).ok, 'the owner, between failures');
    assert.equal(reasonOf(await wrong()), 'invalid-credentials', 'the third failure is still tried: the success did not count');
    const stopped = await wrong();
    assert.equal(reasonOf(stopped), 'rate-limited', 'the fourth is not');
    assert.equal(stopped.ok === false && stopped.user?.samAccountName, person.sam, 'the refusal names the account for the audit, not "unknown"');
    assert.equal(reasonOf(await signIn(ctx, { name: person.sam, password: person.password }, office)), 'rate-limited', 'the guesser’s address stays stopped');
  });
});
