/**
 * The send caps over the real throttle store on both databases: how addresses are counted,
 * the hourly and daily allowances per destination and per account, and what the store keeps.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { configSchema } from '../config/schema.ts';
import { deriveKeys } from '../security/keys.ts';
import { forEachDatabase } from '../testing/databases.ts';
import { countedDestination, type PlannedSend, type SendCap, takeSendAllowance } from './send-caps.ts';

const HOUR = 60 * 60_000;
const { codes } = configSchema.parse({ directory: { urls: ['ldaps://dc'], bindDn: 'svc', bindPassword: 'x' } });

test('addresses are counted in one form: e-mail lower-cased, phone numbers in E.164', () => {
  assert.equal(countedDestination('email', ' Jo.Smith@Corp.Example '), 'email:jo.smith@corp.example');
  for (const written of ['+15550100999', '+1 (555) 010-0999', '0015550100999']) assert.equal(countedDestination('sms', written), 'sms:+15550100999', written);
});

test('the defaults: 5 an hour and 10 a day, per destination and per account', () => {
  assert.deepEqual(codes.perDestination, { perHour: 5, perDay: 10 });
  assert.deepEqual(codes.perAccount, { perHour: 5, perDay: 10 });
});

forEachDatabase('send caps', (database) => {
  let clock = 1_700_000_000_000;
  const context = async () => ({ store: await database.store(), keys: deriveKeys(randomBytes(32)), policy: { codes }, now: () => clock });

  /** Tries `count` sends and returns what each got: null for allowed, else the cap reached. */
  async function sends(ctx: Awaited<ReturnType<typeof context>>, send: PlannedSend, count: number): Promise<(SendCap | null)[]> {
    const outcomes: (SendCap | null)[] = [];
    for (let i = 0; i < count; i++) outcomes.push(await takeSendAllowance(ctx, send));
    return outcomes;
  }

  test('one destination: 5 in an hour whatever the accounts, 10 in a day; refusals do not count', async () => {
    const ctx = await context();
    const phone = (account: number, written = '+15550100999'): PlannedSend => ({ accountGuid: `guid-${account}`, channel: 'sms', address: written });
    const firstHour = [];
    for (let account = 0; account < 8; account++)
      firstHour.push(await takeSendAllowance(ctx, phone(account, account % 2 ? '+1 555 010 0999' : '+15550100999')));
    assert.deepEqual(firstHour.slice(0, 5), [null, null, null, null, null]);
    assert.deepEqual(firstHour.slice(5), Array(3).fill({ scope: 'destination', window: 'hour' }));
    clock += HOUR;
    // The three refused sends took nothing from the day: five more in the second hour.
    assert.deepEqual(await sends(ctx, phone(9), 6), [null, null, null, null, null, { scope: 'destination', window: 'hour' }]);
    clock += HOUR;
    assert.deepEqual(await sends(ctx, phone(10), 1), [{ scope: 'destination', window: 'day' }]);
    clock += 22 * HOUR;
    assert.deepEqual(await sends(ctx, phone(11), 1), [null], 'a new day');
  });

  test('one account: 5 in an hour across all its addresses', async () => {
    const ctx = await context();
    const outcomes = [];
    for (let i = 0; i < 6; i++) {
      outcomes.push(
        await takeSendAllowance(
          ctx,
          i % 2 ? { accountGuid: 'guid-a', channel: 'email', address: 'a@corp.example' } : { accountGuid: 'guid-a', channel: 'sms', address: '+15550100777' },
        ),
      );
    }
    assert.deepEqual(outcomes, [null, null, null, null, null, { scope: 'account', window: 'hour' }]);
    assert.equal(
      await takeSendAllowance(ctx, { accountGuid: 'guid-b', channel: 'email', address: 'a@corp.example' }),
      null,
      'another account to the same mailbox',
    );
  });

  test('concurrent sends never get past the cap', async () => {
    const ctx = await context();
    const send: PlannedSend = { accountGuid: 'guid-burst', channel: 'email', address: 'burst@corp.example' };
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => takeSendAllowance(ctx, send)));
    assert.ok(outcomes.filter((outcome) => outcome === null).length <= 5);
  });

  test('the counters keep no address', async () => {
    const ctx = await context();
    await takeSendAllowance(ctx, { accountGuid: 'guid-private', channel: 'email', address: 'private.person@corp.example' });
    const rows = await ctx.store.db.selectFrom('throttle_counters').select('key').execute();
    assert.ok(rows.some((row) => row.key.startsWith('sends-destination-hour:')));
    assert.ok(rows.every((row) => !/private\.person|corp\.example/.test(row.key)));
  });
});
