/**
 * Every directory write against the real Samba DC, with the connection cut at each point of the
 * write by a proxy that sees the LDAP messages: before the request reaches the DC, after the DC
 * made it but before the answer came back, and that with the DC gone for the follow-up check.
 * What the DC really did is checked by binding outside Latchkey.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change, type Client } from 'ldapts';
import { rejectsWithCode } from '../testing/assertions.ts';
import { adminClient, bindAs, createUser, devDirectory, freshPassword, removeEntries, startDcFaultProxy, type TestUser } from '../testing/dev-domain.ts';
import type { CutPoint, TcpProxy } from '../testing/tcp-proxy.ts';
import type { ActiveDirectory } from './active-directory.ts';
import type { DirectoryUser, WriteReceipt } from './directory.ts';

let admin: Client;
let proxy: TcpProxy;
let direct: ActiveDirectory;
const created: string[] = [];

before(async () => {
  admin = await adminClient();
  proxy = await startDcFaultProxy();
  direct = devDirectory();
});

after(async () => {
  await direct.close();
  await proxy.stop();
  await removeEntries(admin, created);
  await admin.unbind();
});

const setPwdLastSet = (dn: string, value: string) =>
  admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: [value] }) }));

interface WriteCase {
  name: string;
  /** Puts the account in the state the write changes. */
  prepare?: (person: TestUser) => Promise<unknown>;
  write: (directory: ActiveDirectory, user: DirectoryUser, person: TestUser, next: string) => Promise<WriteReceipt>;
  /** What a bind outside Latchkey says when the write was made, and when it was not. */
  bind: (person: TestUser, next: string) => Promise<string>;
  made: string;
  notMade: string;
}

const cases: WriteCase[] = [
  {
    name: 'a reset',
    write: (directory, user, _, next) => directory.resetPassword(user, next),
    bind: (person, next) => bindAs(person.dn, next),
    made: 'ok',
    notMade: '52e',
  },
  {
    // pwdLastSet is 0 before and after: only the DC's count of password writes can tell.
    name: 'a must-change reset of an account that already must change',
    prepare: (person) => setPwdLastSet(person.dn, '0'),
    write: (directory, user, _, next) => directory.resetPassword(user, next, { mustChange: true }),
    bind: (person, next) => bindAs(person.dn, next),
    made: '773',
    notMade: '52e',
  },
  {
    name: 'an unlock',
    prepare: async (person) => {
      for (let i = 0; i < 5; i++) await bindAs(person.dn, 'Wrong-password-1');
    },
    write: (directory, user) => directory.unlock(user),
    bind: (person) => bindAs(person.dn, person.password),
    made: 'ok',
    notMade: '775',
  },
  {
    name: 'setting "must change"',
    write: (directory, user) => directory.setMustChange(user, true),
    bind: (person) => bindAs(person.dn, person.password),
    made: '773',
    notMade: 'ok',
  },
  {
    name: 'clearing "must change"',
    prepare: (person) => setPwdLastSet(person.dn, '0'),
    write: (directory, user) => directory.setMustChange(user, false),
    bind: (person) => bindAs(person.dn, person.password),
    made: 'ok',
    notMade: '773',
  },
  {
    name: 'a change bound as the user',
    write: (directory, user, person, next) => directory.changePassword(user, person.password, next),
    bind: (person, next) => bindAs(person.dn, next),
    made: 'ok',
    notMade: '52e',
  },
  {
    name: 'a change on the bind held from the check of the old password',
    write: async (directory, user, person, next) => {
      const bound = await directory.verifyPassword(user, person.password, { hold: true });
      assert.ok(bound.ok && bound.held, 'the bind is held');
      return bound.held.changePassword(next);
    },
    bind: (person, next) => bindAs(person.dn, next),
    made: 'ok',
    notMade: '52e',
  },
  {
    name: 'a change of a must-change password (through the service account)',
    prepare: (person) => setPwdLastSet(person.dn, '0'),
    write: (directory, user, person, next) => directory.changePassword(user, person.password, next),
    bind: (person, next) => bindAs(person.dn, next),
    made: 'ok',
    notMade: '52e',
  },
];

/**
 * Makes the write on a prepared account through the proxy, cut at `point` (none: no fault).
 * `attempt` is the write, settled; `dc` what a bind outside Latchkey says afterwards.
 */
async function cutWrite(write: WriteCase, point?: CutPoint, options: { stop?: boolean } = {}) {
  const person = await createUser(admin);
  created.push(person.dn);
  await write.prepare?.(person);
  const user = await direct.findUser(person.sam);
  assert.ok(user);
  const next = freshPassword();
  const viaProxy = devDirectory({ urls: [`ldaps://127.0.0.1:${proxy.port}`] });
  const cuts = proxy.cuts;
  if (point) proxy.cutNextModify(point, options);
  try {
    const attempt = write.write(viaProxy, user, person, next);
    await attempt.catch(() => undefined);
    assert.equal(proxy.cuts, cuts + (point ? 1 : 0), 'the write was cut as armed');
    return { attempt, dc: await write.bind(person, next) };
  } finally {
    if (options.stop) await proxy.start();
    await viaProxy.close();
  }
}

for (const write of cases) {
  describe(write.name, () => {
    test('with no fault, the receipt says it was answered', async () => {
      const { attempt, dc } = await cutWrite(write);
      assert.deepEqual(await attempt, { confirmedAfterDrop: false });
      assert.equal(dc, write.made);
    });

    test('cut before the request reaches the DC: not made, and the usual unreachable error', async () => {
      const { attempt, dc } = await cutWrite(write, 'before-request');
      await rejectsWithCode(attempt, 'LK_DIRECTORY_UNREACHABLE');
      assert.equal(dc, write.notMade);
    });

    test('cut after the DC made it, before the answer: found out, and reported as made', async () => {
      const { attempt, dc } = await cutWrite(write, 'before-answer');
      assert.deepEqual(await attempt, { confirmedAfterDrop: true });
      assert.equal(dc, write.made);
    });

    test('cut after the DC made it, with the DC gone for the check: the outcome is unknown', async () => {
      const { attempt, dc } = await cutWrite(write, 'before-answer', { stop: true });
      const error = await rejectsWithCode(attempt, 'LK_WRITE_OUTCOME_UNKNOWN');
      assert.match(error.message, /may or may not have been made/);
      assert.equal(error.status, 503);
      assert.equal(dc, write.made, 'it was made, though Latchkey cannot know');
    });
  });
}

describe('a bind held for the change', () => {
  const prepared = async () => {
    const person = await createUser(admin);
    created.push(person.dn);
    const user = await direct.findUser(person.sam);
    assert.ok(user);
    return { person, user, viaProxy: devDirectory({ urls: [`ldaps://127.0.0.1:${proxy.port}`] }) };
  };

  test('checking the old password and changing it take one connection as the user, not two', async () => {
    const { person, user, viaProxy } = await prepared();
    try {
      const before = proxy.connections;
      const bound = await viaProxy.verifyPassword(user, person.password, { hold: true });
      assert.ok(bound.ok && bound.held);
      const next = freshPassword();
      await bound.held.changePassword(next);
      assert.equal(proxy.connections - before, 1, 'the check and the change on one connection');
      assert.equal(await bindAs(person.dn, next), 'ok');
      await bound.held.release();
    } finally {
      await viaProxy.close();
    }
  });

  test('released unused, nothing changes; a change after the release still goes, on a connection of its own', async () => {
    const { person, user, viaProxy } = await prepared();
    try {
      const bound = await viaProxy.verifyPassword(user, person.password, { hold: true });
      assert.ok(bound.ok && bound.held);
      await bound.held.release();
      await bound.held.release();
      assert.equal(await bindAs(person.dn, person.password), 'ok', 'released: the password is unchanged');
      const before = proxy.connections;
      const next = freshPassword();
      await bound.held.changePassword(next);
      assert.equal(proxy.connections - before, 1, 'a new connection as the user');
      assert.equal(await bindAs(person.dn, next), 'ok');
    } finally {
      await viaProxy.close();
    }
  });

  test('a wrong old password holds nothing', async () => {
    const { user, viaProxy } = await prepared();
    try {
      assert.deepEqual(await viaProxy.verifyPassword(user, 'Not-the-password-1', { hold: true }), { ok: false, reason: 'invalid-credentials' });
    } finally {
      await viaProxy.close();
    }
  });
});
