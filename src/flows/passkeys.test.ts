/**
 * The passkey check a reset or unlock relies on, on both databases, with a software
 * authenticator making real assertions: options alike for every name and bound to
 * server.publicUrl; the owner's passkey passes once per challenge; each attack fails and is
 * audited: another account's passkey, a counter stepping back, another origin or RP ID, no user
 * verification, a replay, an expired or foreign challenge, a decoy, and malformed input (which
 * never throws).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import { auditOf, type FlowHarness, flowFixture, someone } from '../testing/flow-context.ts';
import { register, someOwner } from '../testing/passkey-fixture.ts';
import type { Overrides, SoftAuthenticator } from '../testing/soft-authenticator.ts';
import type { FlowContext } from './context.ts';
import type { PasskeyOwner } from './passkey-management.ts';
import { CHALLENGE_LIFETIME_MS, passkeyCount, passkeyRequest, relyingParty, verifyPasskey } from './passkeys.ts';

type Options = { challenge: string; rpId: string };

/** A fresh request, answered by `authenticator` (tampered with `overrides`). */
async function answered(ctx: FlowContext, authenticator: SoftAuthenticator, overrides?: Overrides) {
  const { options } = await passkeyRequest(ctx);
  return { challenge: options.challenge, response: authenticator.assert(options as Options, overrides) };
}

/** Checks `response` for `owner` as a flow would, naming the owner in the audit. */
function check(ctx: FlowContext, owner: PasskeyOwner | null, challenge: string, response: unknown) {
  return verifyPasskey(ctx, owner?.guid ?? null, challenge, response, { sam: owner?.samAccountName ?? null, requester: someone() });
}

async function wrongDetails(ctx: FlowContext, owner: PasskeyOwner): Promise<string[]> {
  return (await auditOf(ctx, owner.samAccountName, 'passkey-wrong')).map((entry) => entry.detail ?? '');
}

forEachDatabase('passkeys as a factor', (database) => {
  const flows = flowFixture(() => database.store());
  const harness = (): Promise<FlowHarness> => flows.harness();

  async function enrolled() {
    const { ctx } = await harness();
    const owner = someOwner();
    const { authenticator, outcome } = await register(ctx, owner);
    assert.equal(outcome.outcome, 'added');
    return { ctx, owner, authenticator };
  }

  test('the options are alike for every name: discoverable, verified, publicUrl’s RP ID, a fresh challenge', async () => {
    const { ctx } = await harness();
    const first = (await passkeyRequest(ctx)).options;
    const second = (await passkeyRequest(ctx)).options;
    assert.deepEqual(Object.keys(first).sort(), Object.keys(second).sort());
    assert.equal(first.rpId, 'passwords.latchkey.test');
    assert.equal(first.userVerification, 'required');
    assert.equal(first.allowCredentials, undefined, 'no credentials named: the flow does not say whose account it is');
    assert.notEqual(first.challenge, second.challenge);
    assert.match(first.challenge, /^[A-Za-z0-9_-]{43,}$/);
  });

  test('the owner’s passkey passes; its counter and last use are kept, and the use audited', async () => {
    const { ctx, owner, authenticator } = await enrolled();
    const { challenge, response } = await answered(ctx, authenticator);
    const before = ctx.now();
    assert.equal(await check(ctx, owner, challenge, response), 'accepted');
    const stored = await ctx.store.passkeys.get(authenticator.credentialId);
    assert.equal(stored?.counter, authenticator.counter);
    assert.ok(stored?.lastUsedAt && stored.lastUsedAt >= before && stored.lastUsedAt <= ctx.now(), 'last used now');
    assert.equal(await passkeyCount(ctx, owner.guid), 1);
    const used = await auditOf(ctx, owner.samAccountName, 'passkey-used');
    assert.deepEqual(
      used.map((entry) => entry.outcome),
      ['success'],
    );
    // The posted JSON text passes as well as the parsed object.
    const again = await answered(ctx, authenticator);
    assert.equal(await check(ctx, owner, again.challenge, JSON.stringify(again.response)), 'accepted');
  });

  test('a passkey of another account is refused', async () => {
    const { ctx, owner } = await enrolled();
    const other = await enrolled();
    const { challenge, response } = await answered(ctx, other.authenticator);
    assert.equal(await check(ctx, owner, challenge, response), 'wrong');
    assert.match((await wrongDetails(ctx, owner))[0] ?? '', /registered to another account/);
  });

  test('a counter that steps back (or stands still) is refused and audited as a possible clone', async () => {
    const { ctx, owner, authenticator } = await enrolled();
    const first = await answered(ctx, authenticator, { counter: 10 });
    assert.equal(await check(ctx, owner, first.challenge, first.response), 'accepted');
    for (const counter of [9, 10]) {
      const clone = await answered(ctx, authenticator, { counter });
      assert.equal(await check(ctx, owner, clone.challenge, clone.response), 'wrong', `counter ${counter}`);
    }
    const regressed = await auditOf(ctx, owner.samAccountName, 'passkey-counter-regressed');
    assert.equal(regressed.length, 2);
    assert.match(regressed[0]?.detail ?? '', /counter 10, last seen 10: possibly a cloned authenticator/);
    assert.equal((await ctx.store.passkeys.get(authenticator.credentialId))?.counter, 10, 'the counter kept is unchanged');
    const next = await answered(ctx, authenticator, { counter: 11 });
    assert.equal(await check(ctx, owner, next.challenge, next.response), 'accepted', 'a counter moving on passes');
  });

  test('an assertion for another origin or RP ID, or without user verification, is refused', async () => {
    const { ctx, owner, authenticator } = await enrolled();
    for (const overrides of [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { userVerified: false },
      { origin: 'http://passwords.latchkey.test' },
    ]) {
      const { challenge, response } = await answered(ctx, authenticator, overrides);
      assert.equal(await check(ctx, owner, challenge, response), 'wrong', JSON.stringify(overrides));
    }
    const details = await wrongDetails(ctx, owner);
    assert.equal(details.filter((detail) => /signature, origin, RP ID or user verification refused/.test(detail)).length, 4);
    assert.equal((await ctx.store.passkeys.get(authenticator.credentialId))?.lastUsedAt, null, 'no use recorded');
  });

  test('a replayed assertion is refused: a challenge is answered once', async () => {
    const { ctx, owner, authenticator } = await enrolled();
    const { challenge, response } = await answered(ctx, authenticator);
    assert.equal(await check(ctx, owner, challenge, response), 'accepted');
    assert.equal(await check(ctx, owner, challenge, response), 'wrong', 'the same answer again');
    const fresh = authenticator.assert({ challenge, rpId: 'passwords.latchkey.test' });
    assert.equal(await check(ctx, owner, challenge, fresh), 'wrong', 'a new signature over the used challenge');
    assert.match((await wrongDetails(ctx, owner))[0] ?? '', /challenge answered before/);
  });

  test('a challenge not issued here, or expired, is refused', async () => {
    const { ctx, owner, authenticator } = await enrolled();
    const forged = authenticator.assert({ challenge: 'Zm9yZ2VkLWNoYWxsZW5nZS1mb3JnZWQtY2hhbGxlbmdl', rpId: 'passwords.latchkey.test' });
    assert.equal(await check(ctx, owner, 'Zm9yZ2VkLWNoYWxsZW5nZS1mb3JnZWQtY2hhbGxlbmdl', forged), 'wrong');
    const late = await answered(ctx, (await enrolled()).authenticator);
    const mine = await answered(ctx, authenticator);
    (await harness()).advanceClock(CHALLENGE_LIFETIME_MS + 1);
    try {
      assert.equal(await check(ctx, owner, mine.challenge, mine.response), 'wrong');
      assert.equal(await check(ctx, owner, late.challenge, late.response), 'wrong');
    } finally {
      (await harness()).advanceClock(-(CHALLENGE_LIFETIME_MS + 1));
    }
    assert.ok((await wrongDetails(ctx, owner)).some((detail) => /challenge not issued here or expired/.test(detail)));
  });

  test('a decoy (no account) never passes, even with a real passkey', async () => {
    const { ctx, authenticator } = await enrolled();
    const { challenge, response } = await answered(ctx, authenticator);
    assert.equal(await check(ctx, null, challenge, response), 'wrong');
    const entries = await ctx.store.audit.query({ actor: 'unknown', action: 'passkey-wrong' });
    assert.ok(entries.some((entry) => entry.detail?.startsWith('decoy: ')));
  });

  test('malformed answers are wrong, never an exception', async () => {
    const { ctx, owner, authenticator } = await enrolled();
    const { options } = await passkeyRequest(ctx);
    const real = authenticator.assert(options as Options);
    const bad: unknown[] = [
      undefined,
      null,
      42,
      '',
      '{"id":',
      '[]',
      {},
      { ...real, type: 'password' },
      { ...real, id: 'not base64url!' },
      { ...real, response: { ...real.response, authenticatorData: 'AAAA' } },
      { ...real, response: { ...real.response, signature: '' } },
      { ...real, response: { ...real.response, clientDataJSON: Buffer.from('not json').toString('base64url') } },
      { ...real, response: 'x'.repeat(100_000) },
    ];
    for (const response of bad) {
      const { options: fresh } = await passkeyRequest(ctx);
      assert.equal(await check(ctx, owner, fresh.challenge, response), 'wrong', JSON.stringify(response)?.slice(0, 60));
    }
    assert.equal(await check(ctx, owner, 'x'.repeat(10_000), real), 'wrong', 'an over-long challenge');
    assert.equal(await verifyPasskey(ctx, owner.guid, options.challenge, real), 'accepted', 'without an attempt: still checked, audited as unknown');
  });

  test('the RP ID and origin come from server.publicUrl alone; an IP address or plain HTTP off localhost allows no passkeys', () => {
    const at = (publicUrl: string | undefined) => relyingParty({ policy: { server: { publicUrl }, ui: { organisation: 'Corp' } } } as never);
    assert.deepEqual(at('https://passwords.corp.example/portal'), { id: 'passwords.corp.example', origin: 'https://passwords.corp.example', name: 'Corp' });
    assert.deepEqual(at('http://localhost:8080'), { id: 'localhost', origin: 'http://localhost:8080', name: 'Corp' });
    assert.equal(at('http://passwords.corp.example'), null);
    assert.equal(at('https://10.0.0.5'), null);
    assert.equal(at('http://127.0.0.1:8080'), null);
    assert.equal(at('https://[::1]'), null);
    assert.equal(at(undefined), null);
  });
});
