import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../config/schema.ts';
import { enrollmentAsks, enrollmentErrors } from './enroll.ts';

const config = configSchema.parse({ directory: { urls: ['ldaps://dc'], bindDn: 'svc', bindPassword: 'x' } });
const [q1, q2, q3] = config.enrollment.questions as [string, string, string];
const good = {
  answers: [
    { question: q1, answer: 'Biscuit' },
    { question: q2, answer: 'Lisbon' },
    { question: q3, answer: 'Pink Floyd' },
  ],
  email: 'jo@corp.example',
  mobile: '+44 7700 900123',
};
const codes = (input: typeof good) => enrollmentErrors(config, input).map((error) => `${error.field}:${error.code}`);

test('three different offered questions with answers and an address are accepted', () => {
  assert.deepEqual(codes(good), []);
});

test('repeated questions, repeated or short answers and unlisted questions are named per field', () => {
  assert.deepEqual(
    codes({
      ...good,
      answers: [
        { question: q1, answer: 'Biscuit' },
        { question: q1, answer: ' BISCUIT ' }, // the same answer once normalised
        { question: 'What is your password?', answer: 'ab' },
      ],
    }),
    ['question1:LK_QUESTION_REPEATED', 'answer1:LK_ANSWER_REPEATED', 'question2:LK_QUESTION_NOT_OFFERED', 'answer2:LK_ANSWER_TOO_SHORT'],
  );
});

test('an answer typed again must match it, as normalised; the mismatch is named on the repetition', () => {
  const typedTwice = (confirm: string) => ({
    ...good,
    answers: good.answers.map((slot, i) => (i === 1 ? { ...slot, confirm } : { ...slot, confirm: slot.answer })),
  });
  assert.deepEqual(codes(typedTwice('  LISBON ')), [], 'capitals and spaces do not matter, as when the answer is checked');
  assert.deepEqual(codes(typedTwice('Lisbonn')), ['answerConfirm1:LK_ANSWERS_DIFFER']);
  assert.deepEqual(codes(typedTwice('')), ['answerConfirm1:LK_ANSWERS_DIFFER'], 'left empty');
});

test('too few questions, bad addresses, and no address at all when codes are required', () => {
  assert.deepEqual(codes({ ...good, answers: good.answers.slice(0, 2) }), ['question2:LK_QUESTION_MISSING']);
  assert.deepEqual(codes({ ...good, email: 'not-an-address', mobile: '12' }), ['email:LK_EMAIL_INVALID', 'mobile:LK_MOBILE_COUNTRY_CODE']);
  assert.deepEqual(codes({ ...good, email: '', mobile: '' }), ['email:LK_CONTACT_REQUIRED']);
});

test('a mobile number is refused unless a text could be sent to it, with the reason named', () => {
  for (const [mobile, code] of [
    ['555 010 0999', 'LK_MOBILE_COUNTRY_CODE'],
    ['07700 900123', 'LK_MOBILE_COUNTRY_CODE'],
    ['+0 7700 900123', 'LK_MOBILE_INVALID'],
    ['+44 (0)7700 900123x', 'LK_MOBILE_INVALID'],
    ['+1234567', 'LK_MOBILE_INVALID'],
    ['+44 20 7946 0000', 'LK_MOBILE_NOT_MOBILE'],
  ]) {
    assert.deepEqual(codes({ ...good, mobile: mobile! }), [`mobile:${code}`], mobile);
  }
  for (const mobile of ['+44 7700 900123', '0044 7700 900123', '+1 (555) 010-0999', '+44 (0)7700 900123'])
    assert.deepEqual(codes({ ...good, mobile }), [], mobile);
});

test('with a default region, a number without its country code is read in it; an unreadable one is shown that region’s way', () => {
  const us = { ...config, phone: { defaultRegion: 'US' as const } };
  assert.deepEqual(enrollmentErrors(us, { ...good, mobile: '555 010 0999' }), []);
  assert.deepEqual(enrollmentErrors(us, { ...good, mobile: '555 010' }), [
    { field: 'mobile', code: 'LK_MOBILE_INVALID_LOCAL', params: { example: '(201) 555-0123' } },
  ]);
});

test('an address is one bare address: no display name hiding another, no list, no group', () => {
  for (const email of [
    'x<evil@example.org>',
    'jo@corp.example <evil@example.org>',
    'jo@corp.example, evil@example.org',
    'g: evil@example.org;',
    'jo@corp.example (me)',
  ]) {
    assert.deepEqual(codes({ ...good, email }), ['email:LK_EMAIL_INVALID'], email);
  }
  assert.deepEqual(codes({ ...good, email: '  jo@corp.example ' }), []);
});

test('own questions only when the admin allows them, and of a sensible length', () => {
  const own = { ...good, answers: [...good.answers.slice(0, 2), { question: 'Name of my grandmother’s village?', answer: 'Hallstatt' }] };
  assert.deepEqual(codes(own), ['question2:LK_QUESTION_NOT_OFFERED']);
  const lenient = { ...config, enrollment: { ...config.enrollment, customQuestions: true } };
  assert.deepEqual(enrollmentErrors(lenient, own), []);
  assert.deepEqual(
    enrollmentErrors(lenient, { ...own, answers: [...good.answers.slice(0, 2), { question: 'Why?', answer: 'Because' }] }).map((e) => e.code),
    ['LK_QUESTION_LENGTH'],
  );
});

test('enrollment asks for what the factor policy uses: without one, questions and addresses as before', () => {
  assert.deepEqual(enrollmentAsks(config), { questions: 3, addresses: true, addressRequired: true, setUpAfter: [] });
  // Passkeys are offered only where browsers allow them: a host name over HTTPS.
  const withPolicy = (factors: unknown) =>
    configSchema.parse({
      server: { publicUrl: 'https://passwords.latchkey.test' },
      directory: { urls: ['ldaps://dc'], bindDn: 'svc', bindPassword: 'x' },
      factors,
    });
  const appAndCode = withPolicy({
    offered: ['code', 'totp', 'recovery'],
    reset: [{ need: 2, of: ['code', 'totp', 'recovery'] }],
    unlock: [{ need: 1, of: ['totp'] }],
  });
  assert.deepEqual(enrollmentAsks(appAndCode), { questions: 0, addresses: true, addressRequired: false, setUpAfter: ['totp', 'recovery'] });
  assert.deepEqual(
    enrollmentErrors(appAndCode, { answers: [], email: '', mobile: '' }),
    [],
    'no questions to answer, and an address is not required when the app and a recovery code can do without one',
  );
  const passkeyOnly = withPolicy({ offered: ['passkey', 'questions'], reset: [{ need: 1, of: ['passkey'] }], unlock: [{ need: 1, of: ['passkey'] }] });
  assert.deepEqual(enrollmentAsks(passkeyOnly), { questions: 0, addresses: false, addressRequired: false, setUpAfter: ['passkey'] }, 'offered but unused');
});
