/**
 * Enrollment campaigns against the dev domain, in an OU of their own under OU=Staff: an account
 * that has not enrolled is invited with a link to /enroll, not again before the cycle, at most
 * the allowed number of times; an enrolled one, one outside the chosen group and one outside the
 * chosen bases get nothing; two instances running the job at once send once; a dry run sends and
 * records nothing; the day's coverage is recorded once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'ldapts';
import type { DirectoryUser } from '../directory/directory.ts';
import type { Policy } from '../settings/policy.ts';
import { forEachDatabase } from '../testing/databases.ts';
import { adminClient, createChildOu, createGroup, devDomain, removeEntries, removeOu } from '../testing/dev-domain.ts';
import { buildFlowHarness, enrollInStore, type FlowHarness, flowFixture } from '../testing/flow-context.ts';
import { recordCoverageDay, runEnrollmentCampaign } from './enrollment-campaign.ts';

const facts = devDomain();
const DAY_MS = 86_400_000;
let admin: Client;
let ou: `OU=${string}`;
const groups: string[] = [];

before(async () => {
  admin = await adminClient();
  ou = await createChildOu(admin, facts.ous.staff);
});

after(async () => {
  // Whatever the suites left in the OU (their own clean-up may run later), then the OU and groups.
  await removeOu(admin, ou);
  await removeEntries(admin, groups);
  await admin.unbind();
});

forEachDatabase('enrollment campaigns', (database) => {
  const flows = flowFixture(
    () => database.store(),
    () => ({ campaigns: { enabled: true, everyDays: 7, maxInvitations: 2, searchBases: [ou] } }),
  );

  /** A new user of the campaign's OU, as the directory reads it. */
  const newcomer = async () => flows.account(await flows.person(ou));
  const invitationsTo = (harness: FlowHarness, user: DirectoryUser) =>
    harness.mail.filter((mail) => mail.to.includes(user.mail!) && /Set up .* password self-service/.test(mail.subject));
  /** A run a day after the last, as the daily job would make it. */
  const nextDay = async (harness: FlowHarness, days = 1) => {
    harness.advanceClock(days * DAY_MS + 60_000);
    const run = await runEnrollmentCampaign(harness.ctx);
    assert.ok(run, 'the first run of the day runs');
    return run;
  };

  test('an account not enrolled is invited with a link to /enroll; not before the cycle; at most the allowed times; an enrolled one never', async () => {
    const harness = await flows.harness();
    const waiting = await newcomer();
    const enrolled = await newcomer();
    await enrollInStore(harness.ctx, enrolled);

    const first = await nextDay(harness);
    assert.deepEqual(first.invited, [{ account: waiting.samAccountName, nth: 1 }], JSON.stringify(first));
    assert.equal(first.passed.enough, 1, 'the enrolled one has enough');
    const [invitation] = invitationsTo(harness, waiting);
    assert.ok(invitation, 'an invitation by e-mail');
    assert.match(invitation.text, /go to https:\/\/passwords\.latchkey\.test\/enroll, sign in/);
    assert.match(invitation.text, /Invitation 1 of at most 2/);
    const enroll = 'https://passwords.latchkey.test/enroll';
    assert.ok(invitation.text.includes(`Not set up yet:\n  - security questions: ${enroll}\n  - an address for codes: ${enroll}\n`), invitation.text);
    assert.equal(invitationsTo(harness, enrolled).length, 0);
    assert.equal(await runEnrollmentCampaign(harness.ctx), null, 'one run a day');

    assert.deepEqual((await nextDay(harness, 3)).passed.waiting, 1, 'not again before the cycle');
    assert.equal(invitationsTo(harness, waiting).length, 1);
    assert.deepEqual((await nextDay(harness, 4)).invited, [{ account: waiting.samAccountName, nth: 2 }], 'again a cycle later');
    assert.deepEqual((await nextDay(harness, 8)).passed.done, 1, 'no more than allowed');
    assert.equal(invitationsTo(harness, waiting).length, 2);
    const sent = await harness.ctx.store.audit.query({ actor: waiting.samAccountName, action: 'invitation-sent' });
    assert.deepEqual(sent.map((entry) => entry.detail).sort(), ['campaign invitation 1 of 2', 'campaign invitation 2 of 2']);

    // Enrolling after an invitation shows in the figures.
    const before = await harness.ctx.store.campaigns.figures();
    await enrollInStore(harness.ctx, waiting);
    await nextDay(harness);
    assert.equal((await harness.ctx.store.campaigns.figures()).enrolled, before.enrolled + 1);
  });

  test('an invitation names only what is still missing: an address for codes set up, the questions not', async () => {
    const harness = await flows.harness();
    const halfway = await newcomer();
    await harness.ctx.store.enrollments.save({
      userGuid: halfway.guid,
      username: halfway.samAccountName,
      email: halfway.mail,
      mobile: null,
      answers: [],
      now: harness.ctx.now(),
    });
    const run = await nextDay(harness, 30);
    assert.ok(run.invited.some((invited) => invited.account === halfway.samAccountName));
    const [invitation] = invitationsTo(harness, halfway);
    assert.ok(invitation);
    assert.match(invitation.text, /Not set up yet:\n {2}- security questions: https:\/\/passwords\.latchkey\.test\/enroll\n\n/);
    assert.doesNotMatch(invitation.text, /an address for codes/);
  });

  test('limited to a group: a member is invited, a user outside the group is not', async () => {
    const harness = await flows.harness();
    const member = await newcomer();
    const outsider = await newcomer();
    const group = await createGroup(admin, [member.dn]);
    groups.push(group);
    const identity = await harness.ctx.directory.resolveGroup(group);
    const { policy } = harness.ctx;
    harness.ctx.policy = { ...policy, campaigns: { ...policy.campaigns, groups: [{ group, ...identity }] } } as Policy;
    try {
      const run = await nextDay(harness);
      assert.deepEqual(
        run.invited.map((invited) => invited.account),
        [member.samAccountName],
      );
      assert.equal(invitationsTo(harness, outsider).length, 0);
      assert.ok((run.passed['not-in-group'] ?? 0) >= 1);
    } finally {
      harness.ctx.policy = policy;
    }
  });

  test('limited to search bases: a user outside them is not looked at', async () => {
    const harness = await flows.harness();
    const elsewhere = await flows.account(await flows.person('staff'));
    const run = await nextDay(harness);
    assert.ok(!run.invited.some((invited) => invited.account === elsewhere.samAccountName));
    assert.equal(invitationsTo(harness, elsewhere).length, 0);
  });

  test('two instances running the job at once send one invitation; a dry run sends and records nothing', async () => {
    const harness = await flows.harness();
    const user = await newcomer();
    const dry = await runEnrollmentCampaign(harness.ctx, { dryRun: true });
    assert.ok(
      dry?.invited.some((invited) => invited.account === user.samAccountName && invited.nth === 1),
      'the dry run names who would be invited',
    );
    assert.equal(invitationsTo(harness, user).length, 0, 'and sends nothing');
    assert.equal(await harness.ctx.store.campaigns.invitation(user.guid), null, 'nor records anything');

    const other = await buildFlowHarness(await database.store(), { campaigns: { enabled: true, everyDays: 7, maxInvitations: 2, searchBases: [ou] } });
    try {
      harness.advanceClock(DAY_MS + 60_000);
      other.advanceClock(harness.ctx.now() - Date.now());
      const runs = await Promise.all([runEnrollmentCampaign(harness.ctx), runEnrollmentCampaign(other.ctx)]);
      assert.equal(runs.filter((run) => run === null).length, 1, 'one instance ran it');
      assert.equal(invitationsTo(harness, user).length + invitationsTo(other, user).length, 1, 'one invitation in all');
    } finally {
      await (other.ctx.directory as { close(): Promise<void> }).close();
    }
  });

  test("the day's coverage is recorded once", async () => {
    const harness = await flows.harness();
    harness.advanceClock(DAY_MS);
    const first = await recordCoverageDay(harness.ctx);
    assert.equal(await recordCoverageDay(harness.ctx), false, 'once a day');
    const day = Math.floor(harness.ctx.now() / DAY_MS);
    const [recorded] = await harness.ctx.store.campaigns.coverageHistory(day, day);
    assert.ok(first && recorded, 'recorded');
    assert.equal(recorded.enrolled, await harness.ctx.store.enrollments.count());
    assert.ok(recorded.users !== null && recorded.users > 0);
  });
});
