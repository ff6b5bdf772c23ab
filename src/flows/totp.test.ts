/**
 * The authenticator app as plain functions, on both databases and the dev domain: binding needs
 * the first code and stores the secret sealed; a code passes within one step of skew and only
 * once, also when replayed on a second instance; a decoy or an account without an app never passes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { openStore } from '../store/store.ts';
import { forEachDatabase } from '../testing/databases.ts';
import { buildFlowHarness, type FlowHarness, flowFixture } from '../testing/flow-context.ts';
import { beginTotpBinding, checkTotpCode, finishTotpBinding, hasTotp, type PendingTotp, TOTP_BINDING_LIFETIME_MS } from './totp.ts';

const STEP_MS = 30_000;

/** The code the app shows for `secret` at `at`. */
function codeAt(secret: string, at: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: at });
}

/** Moves the harness's clock to one second into a time step, so a test has the step to itself. */
function startOfStep(harness: FlowHarness): number {
  harness.advanceClock((STEP_MS - (harness.ctx.now() % STEP_MS) + 1_000) % STEP_MS);
  return harness.ctx.now();
}

/** The secret as the binding page shows it, without the spaces between its groups. */
const secretOf = (view: { secretText: string }) => view.secretText.replace(/ /g, '');

forEachDatabase('authenticator app', (database) => {
  const flows = flowFixture(() => database.store());

  /** A user of the dev domain with an app bound; its secret as read off the binding page. */
  async function bound() {
    const harness = await flows.harness();
    const user = await flows.account(await flows.person());
    const who = { guid: user.guid, sam: user.samAccountName };
    const { pending, view } = await beginTotpBinding(harness.ctx, who);
    const secret = secretOf(view);
    const at = startOfStep(harness);
    assert.equal(await finishTotpBinding(harness.ctx, who, pending, codeAt(secret, at)), 'bound');
    // The binding code's step is spent; tests start in the next one.
    harness.advanceClock(STEP_MS);
    return { harness, ctx: harness.ctx, user, who, secret };
  }

  test('the binding page carries the QR code as inline SVG and the secret as text, both for the account', async () => {
    const harness = await flows.harness();
    const person = await flows.person();
    const user = await flows.account(person);
    const { pending, view } = await beginTotpBinding(harness.ctx, { guid: user.guid, sam: user.samAccountName });
    assert.match(view.qrSvg, /^<svg [^>]*role="img"[^>]*>.*<\/svg>\s*$/s);
    assert.doesNotMatch(view.qrSvg, /<script|href=/i);
    assert.match(view.secretText, /^[A-Z2-7]{4}( [A-Z2-7]{4})+$/);
    assert.equal(secretOf(view), pending.secret);
    const uri = new URL(pending.uri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('secret'), pending.secret);
    assert.equal(uri.searchParams.get('issuer'), harness.ctx.policy.ui.organisation);
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
    assert.ok(decodeURIComponent(uri.pathname).endsWith(person.upn), `labelled with the UPN: ${uri.pathname}`);
  });

  test('a wrong first code, or one typed too late, binds nothing', async () => {
    const harness = await flows.harness();
    const user = await flows.account(await flows.person());
    const who = { guid: user.guid, sam: user.samAccountName };
    const { pending, view } = await beginTotpBinding(harness.ctx, who);
    const at = startOfStep(harness);
    const wrong = String((Number(codeAt(secretOf(view), at)) + 1) % 1_000_000).padStart(6, '0');
    assert.equal(await finishTotpBinding(harness.ctx, who, pending, wrong), 'wrong');
    assert.equal(await hasTotp(harness.ctx, user.guid), false);
    const late: PendingTotp = { ...pending, expiresAt: at - 1 };
    assert.equal(await finishTotpBinding(harness.ctx, who, late, codeAt(secretOf(view), at)), 'expired');
    assert.equal(await hasTotp(harness.ctx, user.guid), false);
    assert.ok(pending.expiresAt - at <= TOTP_BINDING_LIFETIME_MS);
  });

  test('the stored secret is sealed: not readable in its row, in any spelling', async () => {
    const { user, secret } = await bound();
    const store = await database.store();
    const row = await store.db.selectFrom('totp_secrets').selectAll().where('user_guid', '=', user.guid).executeTakeFirstOrThrow();
    const text = JSON.stringify(row);
    for (const spelling of [secret, secret.toLowerCase(), Buffer.from(secret).toString('base64')])
      assert.ok(!text.includes(spelling), 'the secret is not in the row');
    assert.match(row.secret_sealed, /^v1:[0-9a-f]{12}:/);
  });

  test('a code passes once; its replay is refused, also on a second instance sharing the database', async () => {
    const { ctx, harness, user, secret } = await bound();
    const at = startOfStep(harness);
    const code = codeAt(secret, at);
    assert.equal(await checkTotpCode(ctx, user.guid, code), 'accepted');
    assert.equal(await checkTotpCode(ctx, user.guid, code), 'replayed');
    const secondStore = await openStore(database.options);
    const second = await buildFlowHarness(secondStore);
    try {
      second.advanceClock(at - second.ctx.now());
      assert.equal(await checkTotpCode(second.ctx, user.guid, code), 'replayed', 'the other instance knows the step was used');
      assert.equal(await checkTotpCode(second.ctx, user.guid, codeAt(secret, at + STEP_MS)), 'accepted', 'the next step passes there');
    } finally {
      await second.directory.close();
      await secondStore.close();
    }
  });

  test('concurrent checks of one code: exactly one passes', async () => {
    const { ctx, harness, user, secret } = await bound();
    const code = codeAt(secret, startOfStep(harness));
    const results = await Promise.all(Array.from({ length: 6 }, () => checkTotpCode(ctx, user.guid, code)));
    assert.equal(results.filter((result) => result === 'accepted').length, 1, results.join(', '));
    assert.ok(
      results.every((result) => result === 'accepted' || result === 'replayed'),
      results.join(', '),
    );
  });

  test('one step of skew either way is accepted; two steps old is refused', async () => {
    const { ctx, harness, user, secret } = await bound();
    const at = startOfStep(harness);
    assert.equal(await checkTotpCode(ctx, user.guid, codeAt(secret, at - 2 * STEP_MS)), 'wrong', 'two steps old');
    assert.equal(await checkTotpCode(ctx, user.guid, codeAt(secret, at + 2 * STEP_MS)), 'wrong', 'two steps ahead');
    assert.equal(await checkTotpCode(ctx, user.guid, codeAt(secret, at - STEP_MS)), 'accepted', 'one step old');
    assert.equal(await checkTotpCode(ctx, user.guid, codeAt(secret, at + STEP_MS)), 'accepted', 'one step ahead');
    assert.equal(await checkTotpCode(ctx, user.guid, ` ${codeAt(secret, at).slice(0, 3)} ${codeAt(secret, at).slice(3)} `), 'accepted', 'spaces are ignored');
  });

  test('a decoy, an account without an app, and another account never pass', async () => {
    const { ctx, harness, user, secret } = await bound();
    const code = codeAt(secret, startOfStep(harness));
    const other = await flows.account(await flows.person());
    assert.equal(await checkTotpCode(ctx, null, code), 'wrong');
    assert.equal(await checkTotpCode(ctx, other.guid, code), 'wrong');
    assert.equal(await checkTotpCode(ctx, user.guid, 'abcdef'), 'wrong');
    assert.equal(await checkTotpCode(ctx, user.guid, code), 'accepted', 'none of those used the step up');
  });

  test('binding a new app replaces the old one: its codes stop working', async () => {
    const { ctx, harness, who, secret: old } = await bound();
    const { pending, view } = await beginTotpBinding(ctx, who);
    const at = startOfStep(harness);
    assert.equal(await finishTotpBinding(ctx, who, pending, codeAt(secretOf(view), at)), 'bound');
    harness.advanceClock(STEP_MS);
    assert.equal(await checkTotpCode(ctx, who.guid, codeAt(old, at + STEP_MS)), 'wrong');
    assert.equal(await checkTotpCode(ctx, who.guid, codeAt(secretOf(view), at + STEP_MS)), 'accepted');
  });
});
