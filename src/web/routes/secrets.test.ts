/**
 * The invariant behind everything: a password, a security answer or a verification code never
 * reaches the database, the audit trail or the log in readable form. A set of journeys, right
 * and wrong, then a byte scan of everything persisted for every secret typed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { normalizeAnswer } from '../../security/answers.ts';
import { devDomain, freshPassword } from '../../testing/dev-domain.ts';
import { ANSWERS, answerAll, codeSentTo, enroll } from '../../testing/journeys.ts';
import { portalFixture } from '../../testing/portal.ts';
import { webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const fixture = portalFixture();

test('after journeys right and wrong, nothing persisted holds a password, an answer or a code', async () => {
  const user = await fixture.person();
  const secrets = new Set<string>([user.password, ...Object.values(ANSWERS), ...Object.values(ANSWERS).map(normalizeAnswer)]);
  const client = webClient(fixture.portal.app.server);

  // Enroll (after one wrong password), then a reset with a wrong answer and a wrong code first.
  await client.get('/enroll');
  const wrongPassword = 'Wrong-Password-4242';
  secrets.add(wrongPassword);
  await client.submit('/enroll', { username: user.sam, domain: '', password: wrongPassword });
  await enroll(client, user);
  await client.get('/reset');
  let page = await client.submit('/reset', { username: user.sam, domain: '' });
  const wrongAnswer = 'Definitely Not The Answer';
  secrets.add(wrongAnswer);
  page = await client.submit('/reset/answer', { answer: wrongAnswer });
  await answerAll(client, 'reset', page);
  await client.submit('/reset/send', { channel: 'email' });
  const code = await codeSentTo(`${user.sam}@${facts.dnsDomain}`, fixture.portal.outbox);
  const wrongCode = code === '000001' ? '000002' : '000001';
  secrets.add(code);
  secrets.add(wrongCode);
  await client.submit('/reset/code', { code: wrongCode });
  await client.submit('/reset/code', { code });
  const reset = freshPassword();
  secrets.add(reset);
  assert.match((await client.submit('/reset/password', { password: reset, confirm: reset })).body, /has been changed/);

  // A change, with a policy failure first.
  const changed = freshPassword();
  secrets.add(changed);
  secrets.add('Sh0rt!');
  await client.get('/change');
  await client.submit('/change', { username: user.sam, oldPassword: reset, newPassword: 'Sh0rt!', confirm: 'Sh0rt!' });
  assert.match((await client.submit('/change', { username: user.sam, oldPassword: reset, newPassword: changed, confirm: changed })).body, /has been changed/);

  // Everything persisted: the database files (WAL included), the audit trail, the log.
  const persisted: { where: string; bytes: Buffer }[] = readdirSync(fixture.portal.dataDir).map((file) => ({
    where: file,
    bytes: readFileSync(join(fixture.portal.dataDir, file)),
  }));
  persisted.push({ where: 'log', bytes: Buffer.from(fixture.portal.logLines.join('')) });
  assert.ok(persisted.some((file) => file.where === 'latchkey.sqlite'));
  assert.ok(fixture.portal.logLines.length > 10, 'the log was captured');
  for (const secret of secrets) {
    for (const encoding of ['utf8', 'utf16le'] as const) {
      for (const { where, bytes } of persisted) {
        const text = bytes.toString(encoding);
        // A code is six digits: it counts when it stands alone, not inside a longer number (a timestamp).
        const found = /^\d+$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(text) : text.includes(secret);
        assert.equal(found, false, `${JSON.stringify(secret)} (${encoding}) found in ${where}`);
      }
    }
  }
});
