import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createMailer, type Mailer } from './mailer.ts';
import { OUTBOX_CAPACITY, type Outbox, startOutbox } from './outbox.ts';

/**
 * Sends raw messages over one plain SMTP session, one command at a time: fast enough to fill
 * the outbox, and free to send what nodemailer never would.
 */
async function sendRaw(port: number, messages: { to: string; data: string }[]): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  const replies: string[] = [];
  let wake: () => void = () => undefined;
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    // A reply ends with a line "NNN text" (a space, not a dash, after the code).
    for (let match: RegExpExecArray | null; (match = /^(\d{3}) .*\r\n/m.exec(buffer)); ) {
      replies.push(match[1]!);
      buffer = buffer.slice(match.index + match[0].length);
      wake();
    }
  });
  const reply = async () => {
    while (replies.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return replies.shift()!;
  };
  const command = async (line: string, expected: string) => {
    socket.write(`${line}\r\n`);
    assert.equal(await reply(), expected, line.slice(0, 40));
  };
  assert.equal(await reply(), '220');
  await command('EHLO test.example', '250');
  for (const message of messages) {
    await command('MAIL FROM:<sender@test.example>', '250');
    await command(`RCPT TO:<${message.to}>`, '250');
    await command('DATA', '354');
    await command(`${message.data.replace(/\r?\n/g, '\r\n')}\r\n.`, '250');
  }
  await command('QUIT', '221');
  socket.end();
}

describe('the outbox', () => {
  let outbox: Outbox;
  let mailer: Mailer;

  before(async () => {
    outbox = await startOutbox();
    mailer = createMailer({ host: '127.0.0.1', port: outbox.port, security: 'none', from: 'Latchkey <noreply@corp.example>' });
  });

  after(async () => {
    mailer.close();
    await outbox.close();
  });

  test('keeps what the mailer sent: recipients, sender, subject and text, decoded', async () => {
    await mailer.send({
      to: ['jsmith@corp.example', 'j.smith@home.example'],
      subject: 'Votre code de vérification — 123456',
      text: 'Bonjour,\nvotre code est 123456.\n'.repeat(20), // long lines and accents: quoted-printable
      html: '<p>Bonjour</p>',
    });
    const message = outbox.messages()[0];
    assert.ok(message);
    assert.deepEqual(message.to, ['jsmith@corp.example', 'j.smith@home.example']);
    assert.equal(message.from, 'noreply@corp.example');
    assert.equal(message.subject, 'Votre code de vérification — 123456');
    assert.equal(message.text, 'Bonjour,\nvotre code est 123456.\n'.repeat(20));
    assert.match(message.raw, /^Content-Type: multipart\/alternative/m);
    assert.ok(Date.now() - message.date.getTime() < 5000);
  });

  test('reads base64 bodies, other charsets and encoded words split across a character', async () => {
    await sendRaw(outbox.port, [
      {
        to: 'b64@corp.example',
        data: [
          // "Grüße 👋" in two encoded words, the emoji's bytes split between them.
          `Subject: =?UTF-8?B?${Buffer.from('Grüße ').toString('base64')}?= =?UTF-8?Q?=F0=9F?=`,
          ' =?UTF-8?Q?=91=8B?=',
          'MIME-Version: 1.0',
          'Content-Type: multipart/mixed; boundary="outer"',
          '',
          'preamble',
          '--outer',
          'Content-Type: text/html; charset=utf-8',
          '',
          '<p>not this</p>',
          '--outer',
          'Content-Type: text/plain; charset=iso-8859-1',
          'Content-Transfer-Encoding: base64',
          '',
          Buffer.from('Ol\xe1, c\xf3digo 42', 'latin1').toString('base64'),
          '--outer--',
          'epilogue',
        ].join('\n'),
      },
    ]);
    const message = await outbox.waitFor((m) => m.to.includes('b64@corp.example'), 1000);
    assert.equal(message.subject, 'Grüße 👋');
    assert.equal(message.text, 'Olá, código 42');
  });

  test(`keeps only the latest ${OUTBOX_CAPACITY} messages`, async () => {
    const count = OUTBOX_CAPACITY + 5;
    await sendRaw(
      outbox.port,
      Array.from({ length: count }, (_, i) => ({ to: `bulk${i}@corp.example`, data: `Subject: bulk ${i}\n\nmessage ${i}` })),
    );
    const kept = outbox.messages();
    assert.equal(kept.length, OUTBOX_CAPACITY);
    assert.equal(kept[0]?.subject, `bulk ${count - 1}`, 'newest first');
    assert.equal(kept.at(-1)?.subject, `bulk ${count - OUTBOX_CAPACITY}`, 'the oldest were dropped');
    // The line break is the last line's own: SMTP data always ends with one.
    assert.equal(kept[0]?.text, `message ${count - 1}\n`);
  });

  test('waitFor finds the newest kept match, then waits for one to arrive, then gives up', async () => {
    await sendRaw(outbox.port, [
      { to: 'twice@corp.example', data: 'Subject: first\n\n1' },
      { to: 'twice@corp.example', data: 'Subject: second\n\n2' },
    ]);
    assert.equal((await outbox.waitFor((m) => m.to.includes('twice@corp.example'))).subject, 'second');

    const waiting = outbox.waitFor((m) => m.subject === 'later', 2000);
    await sendRaw(outbox.port, [{ to: 'late@corp.example', data: 'Subject: later\n\nhello' }]);
    assert.equal((await waiting).to[0], 'late@corp.example');

    await assert.rejects(
      outbox.waitFor((m) => m.subject === 'never', 50),
      /within 50 ms/,
    );
  });

  test('listens on 127.0.0.1 only', async () => {
    const other = await startOutbox();
    try {
      await assert.rejects(new Promise((resolve, reject) => net.connect(other.port, '::1').once('connect', resolve).once('error', reject)));
    } finally {
      await other.close();
    }
  });
});
