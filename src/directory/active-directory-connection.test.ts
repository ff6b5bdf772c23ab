/**
 * How the directory connects to the real Samba DC: encryption (LDAPS, StartTLS, never plain),
 * certificate trust (CA, pinned fingerprint, name checks), the reused service connection, and
 * what happens when the DC goes away and comes back.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'ldapts';
import { rejectsWithCode } from '../testing/assertions.ts';
import { adminClient, bindAs, createUser, devDirectory, devDomain, freshPassword, removeEntries, type TestUser } from '../testing/dev-domain.ts';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.ts';
import type { ActiveDirectory } from './active-directory.ts';

const facts = devDomain();
const ldapsPort = Number(new URL(facts.url).port || 636);
const startTlsPort = Number(new URL(facts.startTlsUrl).port || 389);
let admin: Client;
let person: TestUser;
const open: ActiveDirectory[] = [];

/** A directory that is closed after the tests. */
function directory(...args: Parameters<typeof devDirectory>): ActiveDirectory {
  const made = devDirectory(...args);
  open.push(made);
  return made;
}

/** A loopback port on which nothing listens. */
async function closedPort(): Promise<number> {
  const proxy = await startTcpProxy(1);
  await proxy.stop();
  return proxy.port;
}

before(async () => {
  admin = await adminClient();
  person = await createUser(admin);
});

after(async () => {
  await Promise.all(open.map((made) => made.close()));
  await removeEntries(admin, [person.dn]);
  await admin.unbind();
});

describe('encryption', () => {
  test('StartTLS on port 389 works for reads and password writes', async () => {
    const viaStartTls = directory({ urls: [facts.startTlsUrl] });
    const user = await viaStartTls.findUser(person.sam);
    assert.ok(user);
    const next = freshPassword();
    await viaStartTls.resetPassword(user, next);
    assert.deepEqual(await viaStartTls.verifyPassword(user, next), { ok: true });
    person.password = next;
  });

  test('a plain ldap:// connection is refused before any password leaves Latchkey', async () => {
    const proxy = await startTcpProxy(startTlsPort);
    try {
      const plain = directory({ urls: [`ldap://127.0.0.1:${proxy.port}`], startTls: false });
      const user = await directory().findUser(person.sam);
      assert.ok(user);
      await rejectsWithCode(plain.findUser(person.sam), 'LK_DIRECTORY_NOT_ENCRYPTED');
      await rejectsWithCode(plain.resetPassword(user, freshPassword()), 'LK_DIRECTORY_NOT_ENCRYPTED');
      await rejectsWithCode(plain.verifyPassword(user, person.password), 'LK_DIRECTORY_NOT_ENCRYPTED');
      await rejectsWithCode(plain.changePassword(user, person.password, freshPassword()), 'LK_DIRECTORY_NOT_ENCRYPTED');
      assert.equal(proxy.connections, 0, 'not even a connection was opened');
      assert.equal(await bindAs(person.dn, person.password), 'ok');
    } finally {
      await proxy.stop();
    }
  });
});

describe('certificate trust', () => {
  const dcCertificate = join(dirname(facts.caFile), 'dc.pem');

  test('a CA that did not issue the DC certificate is refused', async () => {
    // The system store does not hold the dev domain's CA.
    await rejectsWithCode(directory({ trust: {} }).findUser(person.sam), 'LK_DIRECTORY_TLS');
  });

  test('a certificate for another name is refused', async () => {
    const error = await rejectsWithCode(directory({ trust: { caFile: facts.caFile, serverName: 'wrong.example' } }).findUser(person.sam), 'LK_DIRECTORY_TLS');
    assert.match(error.message, /wrong\.example|altnames/);
  });

  test("the DC's certificate pinned by fingerprint is trusted without a CA", async () => {
    const fingerprint = new X509Certificate(readFileSync(dcCertificate)).fingerprint256;
    const pinned = directory({ trust: { fingerprint } });
    assert.equal((await pinned.findUser(person.sam))?.dn, person.dn);
    const viaStartTls = directory({ urls: [facts.startTlsUrl], trust: { fingerprint: fingerprint.replaceAll(':', '').toLowerCase() } });
    assert.equal((await viaStartTls.findUser(person.sam))?.dn, person.dn);
  });

  test('a pin that does not match is refused', async () => {
    const error = await rejectsWithCode(directory({ trust: { fingerprint: 'AB'.repeat(32) } }).findUser(person.sam), 'LK_DIRECTORY_TLS');
    assert.match(error.message, /not the pinned one/);
  });
});

describe('the service account', () => {
  test('binds by DN, UPN or DOMAIN\\name', async () => {
    for (const bindDn of [facts.serviceAccount.upn, `${facts.netbiosDomain}\\${facts.serviceAccount.sam}`]) {
      assert.equal((await directory({ bindDn }).findUser(person.sam))?.dn, person.dn, bindDn);
    }
  });

  test("a wrong service password is the admin's problem, not shown as the user's wrong password", async () => {
    const error = await rejectsWithCode(directory({ bindPassword: 'not-the-password' }).findUser(person.sam), 'LK_SERVICE_ACCOUNT_REJECTED');
    assert.match(error.message, /svc-latchkey|Latchkey Service/);
  });
});

describe('connection lifecycle', () => {
  let proxy: TcpProxy;
  before(async () => {
    proxy = await startTcpProxy(ldapsPort);
  });
  after(() => proxy.stop());

  test('one service connection is reused for many operations', async () => {
    const viaProxy = directory({ urls: [`ldaps://127.0.0.1:${proxy.port}`] });
    const before = proxy.connections;
    const user = await viaProxy.findUser(person.sam);
    assert.ok(user);
    await viaProxy.passwordPolicy(user);
    await viaProxy.groupsOf(user);
    await viaProxy.protection(user);
    await viaProxy.setMustChange(user, false);
    await Promise.all([viaProxy.findUser(person.sam), viaProxy.getUser(user.guid), viaProxy.findUser(person.upn)]);
    assert.equal(proxy.connections - before, 1);
  });

  test('a dropped idle connection is replaced without the caller noticing', async () => {
    const viaProxy = directory({ urls: [`ldaps://127.0.0.1:${proxy.port}`] });
    assert.ok(await viaProxy.findUser(person.sam));
    const before = proxy.connections;
    await proxy.dropConnections();
    await sleep(100); // let the client see the close, as it would long before its next use
    assert.equal((await viaProxy.findUser(person.sam))?.dn, person.dn);
    assert.equal(proxy.connections - before, 1);
  });

  test('the DC going away gives the typed unreachable error, and the next call reconnects', async () => {
    const viaProxy = directory({ urls: [`ldaps://127.0.0.1:${proxy.port}`] });
    assert.ok(await viaProxy.findUser(person.sam));
    await proxy.stop();
    try {
      const error = await rejectsWithCode(viaProxy.findUser(person.sam), 'LK_DIRECTORY_UNREACHABLE');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${proxy.port}`));
    } finally {
      await proxy.start();
    }
    assert.equal((await viaProxy.findUser(person.sam))?.dn, person.dn);
  });

  test('when the first DC is unreachable the next one is used', async () => {
    const failover = directory({ urls: [`ldaps://127.0.0.1:${await closedPort()}`, facts.url] });
    assert.equal((await failover.findUser(person.sam))?.dn, person.dn);
  });

  test('with LDAPS closed, StartTLS on 389 is the fallback', async () => {
    const fallback = directory({ urls: [`ldaps://127.0.0.1:${await closedPort()}`, facts.startTlsUrl] });
    assert.equal((await fallback.findUser(person.sam))?.dn, person.dn);
  });

  test('when no DC answers, the error names them and says what to do', async () => {
    const port = await closedPort();
    const error = await rejectsWithCode(directory({ urls: [`ldaps://127.0.0.1:${port}`] }).findUser(person.sam), 'LK_DIRECTORY_UNREACHABLE');
    assert.match(error.message, /cannot be reached/);
    assert.equal(error.status, 503);
  });
});
