/**
 * Every page that writes to the directory, with the connection cut at each point of the write
 * (a proxy in front of the real Samba DC that sees the LDAP messages): what the person is told,
 * what the audit says and whether the owner's notice goes out must follow what the DC really did.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'ldapts';
import { noticesSettled } from '../../flows/credential-notices.ts';
import { adminClient, bindAs, createUser, devDomain, freshPassword, removeEntries, startDcFaultProxy, type TestUser } from '../../testing/dev-domain.ts';
import { codeSentTo, enroll, verify } from '../../testing/journeys.ts';
import { startTestPortal, type TestPortal } from '../../testing/portal.ts';
import type { CutPoint, TcpProxy } from '../../testing/tcp-proxy.ts';
import { csrfOf, type Page, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
let admin: Client;
let proxy: TcpProxy;
let portal: TestPortal;
const created: string[] = [];

before(async () => {
  admin = await adminClient();
  proxy = await startDcFaultProxy();
  portal = await startTestPortal({
    directory: { urls: [`ldaps://127.0.0.1:${proxy.port}`] },
    // Every test works from the same address: limits high enough not to be what is tested here.
    protection: { perIp: { max: 1000 }, perUser: { max: 100 } },
    helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: [facts.ous.staff] }] },
  });
});

after(async () => {
  await portal.close();
  await proxy.stop();
  await removeEntries(admin, created);
  await admin.unbind();
});

const mailOf = (person: TestUser) => `${person.sam}@${facts.dnsDomain}`;
const lock = async (person: TestUser) => {
  for (let i = 0; i < 5; i++) await bindAs(person.dn, 'Wrong-password-1');
};

async function operator(): Promise<WebClient> {
  const client = webClient(portal.app.server);
  await client.get('/helpdesk');
  const page = await client.submit('/helpdesk/sign-in', { username: facts.helpdesk.member, domain: '', password: facts.userPassword });
  assert.match(page.body, /Find a user/);
  return client;
}

/** Posts an action from the user's helpdesk page, as its form would. */
async function helpdeskAction(client: WebClient, person: TestUser, action: string, fields: Record<string, string> = {}): Promise<Page> {
  const user = await portal.app.directory.findUser(person.sam);
  assert.ok(user);
  const page = await client.get(`/helpdesk/users/${user.guid}`);
  return client.post(`/helpdesk/users/${user.guid}/${action}`, fields, { csrf: csrfOf(page.body) ?? false });
}

interface Journey {
  name: string;
  category: 'self-service' | 'helpdesk';
  action: string;
  /** Walks to the last step; `take` submits it. */
  prepare(person: TestUser, next: string): Promise<{ take: () => Promise<Page> }>;
  /** The page when the write was made. */
  done: RegExp;
  /** The notice to the owner, for the flows that send one. */
  notice?: RegExp;
  /** Whether a failed write is audited (the change pages audit refusals, not directory failures). */
  auditsFailure: boolean;
  /** What a bind outside Latchkey says when the write was made, and when it was not. */
  bind(person: TestUser, next: string): Promise<string>;
  made: string;
  notMade: string;
}

/** How the DC shows each kind of write made or not. */
const newPassword = { bind: (person: TestUser, next: string) => bindAs(person.dn, next), made: 'ok', notMade: '52e' };
const unlocked = { bind: (person: TestUser) => bindAs(person.dn, person.password), made: 'ok', notMade: '775' };
const mustChange = { bind: (person: TestUser) => bindAs(person.dn, person.password), made: '773', notMade: 'ok' };

const journeys: Journey[] = [
  {
    name: 'self-service reset',
    category: 'self-service',
    action: 'reset',
    async prepare(person, next) {
      const client = webClient(portal.app.server);
      await enroll(client, person);
      await verify(client, 'reset', person, { channel: 'email', address: mailOf(person), outbox: portal.outbox });
      return { take: () => client.submit('/reset/password', { password: next, confirm: next }) };
    },
    done: /Your password has been changed/,
    notice: /password was reset/,
    auditsFailure: true,
    ...newPassword,
  },
  {
    name: 'self-service unlock',
    category: 'self-service',
    action: 'unlock',
    async prepare(person) {
      const client = webClient(portal.app.server);
      await enroll(client, person);
      await lock(person);
      await verify(client, 'unlock', person, { channel: 'email', address: mailOf(person), outbox: portal.outbox });
      return { take: () => client.submit('/unlock/confirm', {}) };
    },
    done: /Your account is unlocked/,
    notice: /account was unlocked/,
    auditsFailure: true,
    ...unlocked,
  },
  {
    name: 'public change',
    category: 'self-service',
    action: 'change',
    async prepare(person, next) {
      const client = webClient(portal.app.server);
      await client.get('/change');
      return { take: () => client.submit('/change', { username: person.sam, domain: '', oldPassword: person.password, newPassword: next, confirm: next }) };
    },
    done: /Your password has been changed/,
    auditsFailure: false,
    ...newPassword,
  },
  {
    name: 'change when signed in',
    category: 'self-service',
    action: 'change',
    async prepare(person, next) {
      const client = webClient(portal.app.server);
      await client.get('/me');
      assert.match((await client.submit('/me/sign-in', { username: person.sam, domain: '', password: person.password })).body, /Your account/);
      return { take: () => client.submit('/me/password', { oldPassword: person.password, newPassword: next, confirm: next }) };
    },
    done: /Your password has been changed\./,
    auditsFailure: false,
    ...newPassword,
  },
  {
    name: 'helpdesk reset',
    category: 'helpdesk',
    action: 'reset',
    async prepare(person, next) {
      const client = await operator();
      const sent = await helpdeskAction(client, person, 'send-code', { channel: 'email' });
      const user = await portal.app.directory.findUser(person.sam);
      const code = await codeSentTo(mailOf(person), portal.outbox);
      assert.match((await client.post(`/helpdesk/users/${user!.guid}/check-code`, { code }, { csrf: csrfOf(sent.body) ?? false })).body, /verified/i);
      return { take: () => helpdeskAction(client, person, 'reset', { mode: 'typed', password: next, confirm: next }) };
    },
    done: /The password was reset/,
    auditsFailure: true,
    ...newPassword,
  },
  {
    name: 'helpdesk unlock',
    category: 'helpdesk',
    action: 'unlock',
    async prepare(person) {
      const client = await operator();
      await lock(person);
      return { take: () => helpdeskAction(client, person, 'unlock') };
    },
    done: /The account was unlocked/,
    auditsFailure: true,
    ...unlocked,
  },
  {
    name: 'helpdesk "must change"',
    category: 'helpdesk',
    action: 'must-change',
    async prepare(person) {
      const client = await operator();
      return { take: () => helpdeskAction(client, person, 'must-change', { on: '1' }) };
    },
    done: /must change the password at next logon/,
    auditsFailure: true,
    ...mustChange,
  },
];

/** Takes the journey's last step with the connection cut at `point`. */
async function cutAt(journey: Journey, point: CutPoint, options: { stop?: boolean } = {}) {
  const person = await createUser(admin);
  created.push(person.dn);
  const next = freshPassword();
  const { take } = await journey.prepare(person, next);
  const cuts = proxy.cuts;
  proxy.cutNextModify(point, options);
  let page: Page;
  try {
    page = await take();
  } finally {
    if (options.stop) await proxy.start();
  }
  assert.equal(proxy.cuts, cuts + 1, 'the write was cut');
  const entries = (await portal.app.store.audit.query({ category: journey.category, action: journey.action })).filter(
    (entry) => (journey.category === 'helpdesk' ? entry.target : entry.actor) === person.sam,
  );
  await noticesSettled();
  const notices = portal.outbox.messages().filter((message) => message.to.includes(mailOf(person)) && !!journey.notice?.test(message.subject));
  return { page, entries, notices, dc: await journey.bind(person, next) };
}

for (const journey of journeys) {
  describe(journey.name, () => {
    test('cut before the request reaches the DC: "cannot reach the directory", nothing changed, no notice', async () => {
      const { page, entries, notices, dc } = await cutAt(journey, 'before-request');
      assert.equal(page.status, 503);
      assert.match(page.body, /cannot reach the directory right now/);
      assert.equal(dc, journey.notMade);
      assert.deepEqual(
        entries.map((entry) => entry.outcome),
        journey.auditsFailure ? ['failure'] : [],
      );
      if (journey.auditsFailure) assert.match(entries[0]!.detail ?? '', /LK_DIRECTORY_UNREACHABLE/);
      assert.equal(notices.length, 0);
    });

    test('cut after the DC made it: found out, told as done, audited as confirmed afterwards, the notice sent where the flow sends one', async () => {
      const { page, entries, notices, dc } = await cutAt(journey, 'before-answer');
      assert.equal(page.status, 200);
      assert.match(page.body, journey.done);
      assert.equal(dc, journey.made);
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.outcome, 'success');
      assert.match(entries[0]!.detail ?? '', /confirmed after the connection dropped/);
      assert.equal(notices.length, journey.notice ? 1 : 0);
    });

    test('cut after the DC made it, with the DC gone for the check: "cannot tell", audited unknown, no notice', async () => {
      const { page, entries, notices, dc } = await cutAt(journey, 'before-answer', { stop: true });
      assert.equal(page.status, 503);
      assert.match(page.body, /cannot tell whether it was made/);
      assert.match(page.body, /try signing in with it/);
      assert.match(page.body, /give them this reference: [0-9a-f]+/);
      assert.equal(dc, journey.made, 'it was made, though the portal cannot know');
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.outcome, 'unknown');
      assert.match(entries[0]!.detail ?? '', /LK_WRITE_OUTCOME_UNKNOWN/);
      assert.equal(notices.length, 0);
    });
  });
}
