import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeWords, parseMessage } from './mime.ts';

const parse = (lines: string[]) => parseMessage(Buffer.from(lines.join('\r\n'), 'latin1'));

test('quoted-printable: soft line breaks join, =XX are bytes of the charset', () => {
  const message = parse([
    'Subject: a folded',
    '  subject',
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Your code is 12=',
    '3456. Caf=C3=A9 =3D fine',
  ]);
  assert.equal(message.subject, 'a folded  subject');
  assert.equal(message.text, 'Your code is 123456. Café = fine');
});

test('without a Content-Type the body is plain text; without a text part there is no text', () => {
  assert.equal(parse(['Subject: x', '', 'line 1', 'line 2']).text, 'line 1\nline 2');
  assert.equal(parse(['Content-Type: text/html', '', '<p>hi</p>']).text, '');
  assert.equal(parse(['Subject: no body']).text, '');
});

test('header names are case-insensitive and the first occurrence wins', () => {
  const message = parse(['SUBJECT: first', 'subject: second', 'X-Code-Channel: email', '', 'body']);
  assert.equal(message.subject, 'first');
  assert.equal(message.headers.get('x-code-channel'), 'email');
});

test('encoded words: Q with underscores, B, mixed charsets, plain text around them', () => {
  assert.equal(decodeWords('=?utf-8?q?Caf=C3=A9_cr=C3=A8me?='), 'Café crème');
  assert.equal(decodeWords(`Re: =?ISO-8859-1?B?${Buffer.from('Olá', 'latin1').toString('base64')}?= again`), 'Re: Olá again');
  assert.equal(decodeWords('=?utf-8?Q?a?= =?iso-8859-1?Q?=E9?='), 'aé', 'the space between encoded words goes');
  assert.equal(decodeWords('=?x-unknown?Q?abc?='), 'abc', 'an unknown charset still gives the bytes');
});
