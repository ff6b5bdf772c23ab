/**
 * Registering and managing passkeys, on both databases, with a software authenticator making
 * the bytes a browser would send: options bound to server.publicUrl (discoverable, verified,
 * the user's own excluded); an answer for another origin or RP ID, without user verification,
 * for another account's or an expired registration refused and audited; rename and remove only
 * by the owner.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import { auditOf, type FlowHarness, flowFixture, someone } from '../testing/flow-context.ts';
import { ORIGIN, register, someOwner } from '../testing/passkey-fixture.ts';
import { softAuthenticator } from '../testing/soft-authenticator.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration, listPasskeys, removePasskey, renamePasskey } from './passkey-management.ts';

forEachDatabase('passkey registration', (database) => {
  const flows = flowFixture(() => database.store());
  const harness = (): Promise<FlowHarness> => flows.harness();

  test('options: discoverable, verified, for publicUrl, with the user’s own passkeys excluded', async () => {
    const { ctx } = await harness();
    const owner = someOwner();
    const { authenticator } = await register(ctx, owner);
    const { options, pending } = await beginPasskeyRegistration(ctx, owner);
    assert.deepEqual((options.rp as { id: string }).id, 'passwords.latchkey.test');
    assert.deepEqual(options.authenticatorSelection, { residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    assert.deepEqual(
      (options.excludeCredentials as { id: string }[]).map((key) => key.id),
      [authenticator.credentialId],
    );
    assert.equal((options.user as { name: string }).name, owner.samAccountName);
    assert.equal(pending.challenge, options.challenge, 'the session keeps the challenge the browser signs');
    assert.ok(pending.expiresAt > ctx.now());
  });

  test('a registered passkey is listed with its name, when added, never used; the default name says when', async () => {
    const { ctx } = await harness();
    const owner = someOwner();
    const named = await register(ctx, owner, { name: '  Work laptop ' });
    assert.deepEqual(named.outcome, { outcome: 'added', name: 'Work laptop' });
    const unnamed = await register(ctx, owner);
    const date = new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(ctx.now());
    assert.deepEqual(unnamed.outcome, { outcome: 'added', name: `Passkey added ${date}` });
    const listed = await listPasskeys(ctx, owner);
    assert.deepEqual(
      listed.map((key) => [key.id, key.name, key.lastUsedAt]),
      [
        [named.authenticator.credentialId, 'Work laptop', null],
        [unnamed.authenticator.credentialId, `Passkey added ${date}`, null],
      ],
    );
    const stored = await ctx.store.passkeys.get(named.authenticator.credentialId);
    assert.deepEqual([stored?.userGuid, stored?.transports, stored?.counter], [owner.guid, ['internal'], 1]);
    const audited = await auditOf(ctx, owner.samAccountName, 'passkey-registered');
    assert.equal(audited.length, 2);
    assert.ok(audited.every((entry) => entry.outcome === 'success' && /^passkey [0-9a-f]{8}$/.test(entry.detail ?? '')));
    assert.ok(!audited.some((entry) => entry.detail?.includes(named.authenticator.credentialId)), 'no credential id in the audit');
  });

  test('an answer for another origin or RP ID, or without user verification, is refused and nothing stored', async () => {
    const { ctx } = await harness();
    const owner = someOwner();
    for (const overrides of [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { userVerified: false },
      { origin: 'http://passwords.latchkey.test' },
    ]) {
      const { outcome } = await register(ctx, owner, { overrides });
      assert.deepEqual(outcome, { outcome: 'invalid', errors: [{ field: 'passkey', code: 'LK_PASSKEY_FAILED' }] }, JSON.stringify(overrides));
    }
    assert.deepEqual(await listPasskeys(ctx, owner), []);
    const refused = await auditOf(ctx, owner.samAccountName, 'passkey-registered');
    assert.equal(refused.filter((entry) => entry.outcome === 'refused').length, 4);
  });

  test('a registration begun for another account, expired, forged or not begun is refused', async () => {
    const { ctx } = await harness();
    const owner = someOwner();
    const stranger = someOwner();
    const begun = await beginPasskeyRegistration(ctx, stranger);
    const answer = JSON.stringify(softAuthenticator(ORIGIN).register(begun.options as { challenge: string; rp: { id: string } }));
    const finish = (pending: typeof begun.pending | undefined, response = answer) =>
      finishPasskeyRegistration(ctx, owner, pending, { name: '', response }, someone());
    assert.equal((await finish(begun.pending)).outcome, 'invalid', 'begun for another account');
    assert.equal((await finish({ ...begun.pending, userGuid: owner.guid, challenge: 'A'.repeat(54) })).outcome, 'invalid', 'a challenge not issued here');
    assert.equal((await finish({ ...begun.pending, userGuid: owner.guid, expiresAt: ctx.now() - 1 })).outcome, 'invalid', 'expired');
    assert.equal((await finish(undefined)).outcome, 'invalid', 'nothing begun');
    assert.equal((await finish({ ...begun.pending, userGuid: owner.guid }, '{"id":')).outcome, 'invalid', 'not JSON');
    assert.deepEqual(await listPasskeys(ctx, owner), []);
  });

  test('a name that is too long or holds control characters is refused', async () => {
    const { ctx } = await harness();
    const owner = someOwner();
    assert.deepEqual((await register(ctx, owner, { name: 'x'.repeat(65) })).outcome, {
      outcome: 'invalid',
      errors: [{ field: 'name', code: 'LK_VALUE_TOO_LONG', params: { max: 64 } }],
    });
    assert.deepEqual((await register(ctx, owner, { name: 'a\nb' })).outcome, { outcome: 'invalid', errors: [{ field: 'name', code: 'LK_VALUE_INVALID' }] });
  });

  test('only the owner renames or removes a passkey; both audited', async () => {
    const { ctx } = await harness();
    const owner = someOwner();
    const intruder = someOwner();
    const { authenticator } = await register(ctx, owner, { name: 'Phone' });
    const id = authenticator.credentialId;
    const notFound = { outcome: 'invalid', errors: [{ field: 'name', code: 'LK_PASSKEY_NOT_FOUND' }] };
    assert.deepEqual(await renamePasskey(ctx, intruder, id, 'Mine now', someone()), notFound);
    assert.deepEqual(await removePasskey(ctx, intruder, id, someone()), { ...notFound, errors: [{ field: 'passkey', code: 'LK_PASSKEY_NOT_FOUND' }] });
    assert.deepEqual(await renamePasskey(ctx, owner, id, ' Work phone ', someone()), { outcome: 'done', name: 'Work phone' });
    assert.equal((await listPasskeys(ctx, owner))[0]?.name, 'Work phone');
    assert.deepEqual(await removePasskey(ctx, owner, id, someone()), { outcome: 'done', name: 'Work phone' });
    assert.deepEqual(await listPasskeys(ctx, owner), []);
    assert.equal((await auditOf(ctx, owner.samAccountName, 'passkey-renamed')).length, 1);
    assert.equal((await auditOf(ctx, owner.samAccountName, 'passkey-removed')).length, 1);
  });
});
