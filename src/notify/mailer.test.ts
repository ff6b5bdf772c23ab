import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { rejectsWithCode } from '../testing/assertions.ts';
import { freePort } from '../testing/ports.ts';
import { createMailer, type SmtpSettings } from './mailer.ts';
import { type ParsedMessage, parseMessage } from './mime.ts';

const USER = 'latchkey@corp.example';
const PASSWORD = 'S3cret-smtp-Passw0rd';
const CODE = '482913';

interface Received extends ParsedMessage {
  to: string[];
  secure: boolean;
  user: unknown;
}

/** A real SMTP server on 127.0.0.1 that records what it was given. */
async function startServer(options: SMTPServerOptions) {
  const received: Received[] = [];
  /** Every password the server was shown, right or wrong. */
  const logins: string[] = [];
  const server = new SMTPServer({
    disableReverseLookup: true,
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      logins.push(auth.password ?? '');
      if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody@')) {
        return callback(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          ...parseMessage(Buffer.concat(chunks)),
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: session.user,
        });
        callback();
      });
    },
    ...options,
  });
  // A client that gives up during the TLS handshake is an 'error' of the server; the tests cause that on purpose.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('sending e-mail to real SMTP servers', () => {
  let dir: string;
  let caFile: string;
  let otherCaFile: string;
  let starttls: Awaited<ReturnType<typeof startServer>>;
  let implicit: Awaited<ReturnType<typeof startServer>>;
  let plain: Awaited<ReturnType<typeof startServer>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-smtp-'));
    // Self-signed, so each certificate is its own CA; the IP SAN is what Node checks for 127.0.0.1.
    for (const name of ['server', 'other']) {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '2',
          '-subj',
          `/CN=${name}.test`,
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, `${name}-key.pem`),
          '-out',
          join(dir, `${name}.pem`),
        ],
        { stdio: 'ignore' },
      );
    }
    caFile = join(dir, 'server.pem');
    otherCaFile = join(dir, 'other.pem');
    const tlsIdentity = { key: readFileSync(join(dir, 'server-key.pem')), cert: readFileSync(caFile) };
    // No allowInsecureAuth: the server takes a login only once the connection is encrypted.
    starttls = await startServer(tlsIdentity);
    implicit = await startServer({ ...tlsIdentity, secure: true });
    plain = await startServer({ disabledCommands: ['STARTTLS'], authOptional: true });
  });

  after(async () => {
    await Promise.all([starttls.close(), implicit.close(), plain.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const settings = (overrides: Partial<SmtpSettings>): SmtpSettings => ({
    host: '127.0.0.1',
    port: starttls.port,
    security: 'starttls',
    user: USER,
    password: PASSWORD,
    from: 'Latchkey <noreply@corp.example>',
    caFile,
    timeoutMs: 3000,
    ...overrides,
  });

  const mail = (to = 'jsmith@corp.example') => ({
    to: [to],
    subject: 'Your code: ünïcode',
    text: `Your verification code is ${CODE}.\nIt expires in 10 minutes. — Latchkey`,
    html: `<p>Your verification code is <b>${CODE}</b>.</p>`,
  });

  /** Sends through a fresh mailer and closes it again. */
  async function send(overrides: Partial<SmtpSettings>, to?: string) {
    const mailer = createMailer(settings(overrides));
    try {
      await mailer.send(mail(to));
    } finally {
      mailer.close();
    }
  }

  /** Asserts that nothing about the error, however deeply inspected, holds a secret. */
  function assertNoSecrets(error: unknown) {
    const everything = inspect(error, { depth: Infinity, showHidden: true }) + JSON.stringify(error);
    assert.ok(!everything.includes(PASSWORD), 'the password must not appear in the error');
    assert.ok(!everything.includes(Buffer.from(PASSWORD).toString('base64')), 'nor its base64 form');
    assert.ok(!everything.includes(CODE), 'the message body must not appear in the error');
  }

  test('STARTTLS with a login delivers the message with the right recipient, subject and text', async () => {
    await send({});
    const message = starttls.received.at(-1);
    assert.ok(message, 'a message arrived');
    assert.deepEqual(message.to, ['jsmith@corp.example']);
    assert.equal(message.secure, true, 'the session was upgraded before the message');
    assert.equal(message.user, USER, 'the server logged us in');
    assert.equal(message.subject, 'Your code: ünïcode');
    assert.equal(message.text.trimEnd(), mail().text);
    assert.equal(message.headers.get('from'), 'Latchkey <noreply@corp.example>');
  });

  test('implicit TLS delivers too', async () => {
    const before = implicit.received.length;
    await send({ port: implicit.port, security: 'tls' });
    assert.equal(implicit.received.length, before + 1);
    assert.equal(implicit.received.at(-1)?.secure, true);
    assert.equal(implicit.received.at(-1)?.text.trimEnd(), mail().text);
  });

  test("'none' sends in plain to a relay that offers no encryption", async () => {
    const before = plain.received.length;
    await send({ port: plain.port, security: 'none', user: undefined, password: undefined });
    assert.equal(plain.received.length, before + 1);
    assert.equal(plain.received.at(-1)?.secure, false);
  });

  test("'starttls' refuses a server that does not offer STARTTLS, and nothing is delivered", async () => {
    const before = plain.received.length;
    const error = await rejectsWithCode(send({ port: plain.port }), 'LK_MAIL_FAILED');
    assert.equal(error.details.reason, 'starttls-unavailable');
    assert.equal(error.details.command, 'STARTTLS');
    assert.equal(plain.received.length, before);
    assertNoSecrets(error);
  });

  test('a wrong password is an authentication failure that names the reply and never the password', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const before = starttls.received.length;
    const error = await rejectsWithCode(send({ password: wrong }), 'LK_MAIL_FAILED');
    assert.equal(error.details.reason, 'auth');
    assert.equal(error.details.responseCode, 535);
    assert.match(String(error.details.response), /Authentication credentials invalid/);
    assert.equal(error.details.server, `127.0.0.1:${starttls.port}`);
    assert.equal(error.message, 'We could not send the e-mail. Try again in a few minutes, or choose another way to receive the code.');
    assert.equal(starttls.received.length, before);
    const everything = inspect(error, { depth: Infinity, showHidden: true }) + JSON.stringify(error.details);
    assert.ok(!everything.includes(wrong), 'the password tried must not appear in the error');
    assertNoSecrets(error);
  });

  test('a refused recipient is named as such, with the 55x reply', async () => {
    const error = await rejectsWithCode(send({}, 'nobody@corp.example'), 'LK_MAIL_FAILED');
    assert.equal(error.details.reason, 'recipient-refused');
    assert.equal(error.details.responseCode, 550);
    assert.equal(error.details.command, 'RCPT TO');
    assertNoSecrets(error);
  });

  test('a recipient that is not one bare address is refused before anything is sent', async () => {
    const before = plain.received.length;
    for (const to of ['x<evil@example.org>', 'jsmith@corp.example, evil@example.org', 'team: evil@example.org;', ' jsmith@corp.example']) {
      const error = await rejectsWithCode(send({ port: plain.port, security: 'none', user: undefined }, to), 'LK_MAIL_FAILED');
      assert.equal(error.details.reason, 'recipient-invalid', to);
    }
    assert.equal(plain.received.length, before, 'no message reached the server');
  });

  test('a port nobody listens on is unreachable', async () => {
    const error = await rejectsWithCode(send({ port: await freePort() }), 'LK_MAIL_FAILED');
    assert.equal(error.details.reason, 'unreachable');
    assert.match(String(error.details.error), /ECONNREFUSED/);
  });

  test('a server that accepts the connection but never greets is unreachable after the timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const port = (silent.address() as AddressInfo).port;
      const error = await rejectsWithCode(send({ port, timeoutMs: 300 }), 'LK_MAIL_FAILED');
      assert.equal(error.details.reason, 'unreachable');
      assert.match(String(error.details.error), /ETIMEDOUT/);
      assert.ok(Date.now() - started < 2500, 'the configured timeout applies, not a default of minutes');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  for (const security of ['starttls', 'tls'] as const) {
    test(`${security}: a certificate the given CA did not sign is refused before the login`, async () => {
      const server = security === 'tls' ? implicit : starttls;
      const before = { received: server.received.length, logins: server.logins.length };
      const error = await rejectsWithCode(send({ port: server.port, security, caFile: otherCaFile }), 'LK_MAIL_FAILED');
      assert.equal(error.details.reason, 'tls');
      assert.match(String(error.details.error), /certificate/i);
      assert.equal(server.received.length, before.received);
      assert.equal(server.logins.length, before.logins, 'the password was never sent to the untrusted server');
      assertNoSecrets(error);
    });
  }

  test('without a CA file the system store is used, which does not trust a self-signed certificate', async () => {
    const error = await rejectsWithCode(send({ caFile: undefined }), 'LK_MAIL_FAILED');
    assert.equal(error.details.reason, 'tls');
  });

  test('an unreadable CA file is a configuration error, at once', () => {
    assert.throws(() => createMailer(settings({ caFile: join(dir, 'missing.pem') })), { code: 'LK_MAIL_CONFIG' });
  });

  test('verify() accepts the right login and refuses a wrong one', async () => {
    const good = createMailer(settings({}));
    const bad = createMailer(settings({ password: 'not-it' }));
    try {
      await good.verify();
      const error = await rejectsWithCode(bad.verify(), 'LK_MAIL_FAILED');
      assert.equal(error.details.reason, 'auth');
    } finally {
      good.close();
      bad.close();
    }
  });
});
