/**
 * Recovery codes as plain functions, on both databases and the dev domain: ten readable codes
 * of 64 bits and more, stored only as keyed hashes; each passes once, also among concurrent
 * redemptions; a new set voids the old; the owner is told how many are left; a decoy never passes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import { auditOf, flowFixture, someone } from '../testing/flow-context.ts';
import { noticesSettled } from './credential-notices.ts';
import { generateRecoveryCodes, RECOVERY_CODE_COUNT, recoveryCodesLeft, redeemRecoveryCode } from './recovery-codes.ts';

const SHAPE = /^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{5}$/;

forEachDatabase('recovery codes', (database) => {
  const flows = flowFixture(() => database.store());

  async function withCodes() {
    const harness = await flows.harness();
    const person = await flows.person();
    const user = await flows.account(person);
    const who = { guid: user.guid, sam: user.samAccountName };
    const codes = await generateRecoveryCodes(harness.ctx, who, someone());
    return { harness, ctx: harness.ctx, person, user, who, codes };
  }

  test('a set is ten distinct readable codes of 64 bits or more, stored only as hashes', async () => {
    const { ctx, who, codes } = await withCodes();
    assert.equal(codes.length, RECOVERY_CODE_COUNT);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) assert.match(code, SHAPE);
    // 13 characters of 31 symbols.
    assert.ok(13 * Math.log2(31) >= 64);
    assert.equal(await recoveryCodesLeft(ctx, who.guid), RECOVERY_CODE_COUNT);
    const store = await database.store();
    const rows = JSON.stringify(await store.db.selectFrom('recovery_codes').selectAll().where('user_guid', '=', who.guid).execute());
    for (const code of codes) assert.ok(!rows.includes(code) && !rows.includes(code.replace(/-/g, '')), 'no code readable in the table');
    const trail = JSON.stringify(await auditOf(ctx, who.sam, 'recovery-codes-generated'));
    for (const code of codes) assert.ok(!trail.includes(code.replace(/-/g, '').slice(0, 8)), 'no code on the audit trail');
  });

  test('a code passes once, typed in any case with or without dashes; the owner is told how many are left', async () => {
    const { harness, ctx, person, who, codes } = await withCodes();
    const typed = codes[0]!.replace(/-/g, ' ').toUpperCase();
    assert.deepEqual(await redeemRecoveryCode(ctx, who, typed, someone()), { outcome: 'accepted', remaining: RECOVERY_CODE_COUNT - 1 });
    assert.deepEqual(await redeemRecoveryCode(ctx, who, codes[0]!, someone()), { outcome: 'wrong' }, 'used already');
    assert.equal(await recoveryCodesLeft(ctx, who.guid), RECOVERY_CODE_COUNT - 1);
    await noticesSettled();
    const notice = harness.mail.filter((mail) => mail.to.includes(person.upn) && /was used/.test(mail.subject)).at(-1);
    assert.ok(notice, 'a notice went to the directory address');
    assert.match(notice.subject, /recovery code/i);
    assert.match(notice.text, new RegExp(`${RECOVERY_CODE_COUNT - 1} unused recovery codes left`));
    assert.ok(!notice.text.includes(codes[0]!), 'the notice does not carry the code');
    assert.deepEqual(
      (await auditOf(ctx, who.sam, 'recovery-code-used')).map((entry) => entry.detail),
      [`${RECOVERY_CODE_COUNT - 1} left`],
    );
    assert.equal((await auditOf(ctx, who.sam, 'recovery-code-wrong')).length, 1);
  });

  test('two concurrent redemptions of one code: exactly one passes', async () => {
    const { ctx, who, codes } = await withCodes();
    const results = await Promise.all([redeemRecoveryCode(ctx, who, codes[1]!, someone()), redeemRecoveryCode(ctx, who, codes[1]!, someone())]);
    assert.equal(results.filter((result) => result.outcome === 'accepted').length, 1, JSON.stringify(results));
    assert.equal(await recoveryCodesLeft(ctx, who.guid), RECOVERY_CODE_COUNT - 1);
  });

  test('a new set voids the old one', async () => {
    const { ctx, who, codes: old } = await withCodes();
    const fresh = await generateRecoveryCodes(ctx, who, someone());
    assert.deepEqual(await redeemRecoveryCode(ctx, who, old[2]!, someone()), { outcome: 'wrong' });
    assert.equal((await redeemRecoveryCode(ctx, who, fresh[2]!, someone())).outcome, 'accepted');
  });

  test("a decoy never passes, nor another account's code, and neither uses a code up", async () => {
    const { ctx, who, codes } = await withCodes();
    const other = await flows.account(await flows.person());
    assert.deepEqual(await redeemRecoveryCode(ctx, null, codes[3]!, someone()), { outcome: 'wrong' });
    assert.deepEqual(await redeemRecoveryCode(ctx, { guid: other.guid, sam: other.samAccountName }, codes[3]!, someone()), { outcome: 'wrong' });
    assert.equal((await redeemRecoveryCode(ctx, who, codes[3]!, someone())).outcome, 'accepted');
  });
});
