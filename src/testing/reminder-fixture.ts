/**
 * A portal whose only search base is a throwaway OU of the dev domain, with reminders on and a
 * fine-grained policy (maximum age `maxAgeDays`) applied through a group: users made with
 * `expiring()` have passwords that expire that many days after they are set. Mail goes to an
 * SMTP sink. Everything made is removed when the file's tests end.
 */
import { after, before } from 'node:test';
import { Attribute, Change, type Client } from 'ldapts';
import { encodeUnicodePwd } from '../directory/ad-values.ts';
import { addMember, adminClient, createGroup, createOu, createUser, devDomain, freshPassword, removeEntries, type TestUser } from './dev-domain.ts';
import { createPso } from './password-settings.ts';
import { startTestPortal, type TestPortal } from './portal.ts';
import { type SmtpSink, startSmtpSink } from './smtp-sink.ts';

export const DAY_MS = 86_400_000;

export interface ReminderFixture {
  readonly portal: TestPortal;
  readonly admin: Client;
  readonly sink: SmtpSink;
  readonly ou: string;
  /** The users asked for by `accounts`, in the order they were made. */
  readonly accounts: readonly TestUser[];
  /** A user in the OU under the short policy; `extra` attributes as createUser takes them. */
  expiring(extra?: Record<string, string>): Promise<TestUser>;
  /** A user in the OU under the domain's policy (90 days). */
  plain(extra?: Record<string, string>): Promise<TestUser>;
  /** Sets a new password as the administrator: a new pwdLastSet, a new series of reminders. */
  newPassword(user: TestUser): Promise<void>;
  /** The messages the sink accepted for `user`. */
  mailTo(user: TestUser): { to: string; subject: string }[];
}

/** `portalSettings()`, read when the portal starts, adds to the test portal's settings (its `directory` to the OU as search base). */
export function reminderFixture({
  maxAgeDays,
  accounts = 0,
  portalSettings = () => ({}),
}: {
  maxAgeDays: number;
  /** Users under the short policy made before the first test (fixture.accounts). */
  accounts?: number;
  portalSettings?: () => Record<string, unknown>;
}): ReminderFixture {
  const made: string[] = [];
  const expiringUsers: TestUser[] = [];
  let portal: TestPortal | undefined;
  let admin: Client | undefined;
  let sink: SmtpSink | undefined;
  let ou = '';
  let group = '';
  before(async () => {
    admin = await adminClient();
    sink = await startSmtpSink();
    ou = await createOu(admin);
    group = await createGroup(admin, [], { container: ou });
    made.push(await createPso(admin, { maxAgeDays, groups: [group] }), group);
    const extra = portalSettings();
    portal = await startTestPortal({
      ...extra,
      directory: { searchBases: [ou], ...(extra.directory as object | undefined) },
      smtp: { port: sink.port },
      reminders: { enabled: true },
    });
    for (let i = 0; i < accounts; i++) expiringUsers.push(await fixture.expiring());
  });
  after(async () => {
    await portal?.close();
    await sink?.close();
    if (admin) {
      await removeEntries(admin, [...made.reverse(), ou]);
      await admin.unbind();
    }
  });
  const user = async (extra: Record<string, string>) => {
    const created = await createUser(admin!, { dn: ou }, extra);
    made.push(created.dn);
    return created;
  };
  const fixture: ReminderFixture = {
    accounts: expiringUsers,
    get portal() {
      return portal!;
    },
    get admin() {
      return admin!;
    },
    get sink() {
      return sink!;
    },
    get ou() {
      return ou;
    },
    async expiring(extra = {}) {
      const created = await user(extra);
      await addMember(admin!, group, created.dn);
      return created;
    },
    plain: (extra = {}) => user(extra),
    async newPassword(target) {
      const modification = new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(freshPassword())] });
      await admin!.modify(target.dn, new Change({ operation: 'replace', modification }));
    },
    mailTo: (target) => sink!.received.filter((message) => message.to.toLowerCase() === `${target.sam}@${devDomain().dnsDomain}`),
  };
  return fixture;
}
