/**
 * Steps a person takes through the portal, for the journey tests: enroll with answers, then
 * walk a reset or unlock to the last page. Each step asserts it landed where a person would.
 */
import assert from 'node:assert/strict';
import { DEFAULT_QUESTIONS } from '../config/default-questions.ts';
import { LANGUAGES } from '../i18n/languages.ts';
import { loadStrings } from '../i18n/translate.ts';
import type { Outbox } from '../notify/outbox.ts';
import { hashAnswer } from '../security/answers.ts';
import type { TestPortal } from './portal.ts';
import type { TwilioFake } from './twilio-fake.ts';
import type { Page, WebClient } from './web-client.ts';

/** The questions and answers a test user enrolls with. */
export const ANSWERS: Record<string, string> = {
  'What was the name of your first pet?': 'Biscuit the Hamster',
  'In which town or city did your parents meet?': 'Lisbon',
  'What was the first concert you went to?': 'Pink Floyd at Knebworth',
};

/** The questions form's slots filled with ANSWERS: each question, its answer, and the answer typed again. */
export function answerFields(): Record<string, string> {
  const fields: Record<string, string> = {};
  Object.entries(ANSWERS).forEach(([question, answer], i) => {
    fields[`question${i}`] = question;
    fields[`answer${i}`] = answer;
    fields[`answerConfirm${i}`] = answer;
  });
  return fields;
}

/** Enrolls through the pages: sign in, answer three questions, give the addresses (by default those on file at work the page offers). */
export async function enroll(client: WebClient, account: { sam: string; password: string }, contacts: { email?: string; mobile?: string } = {}): Promise<Page> {
  await client.get('/enroll');
  const questions = await client.submit('/enroll', { username: account.sam, domain: '', password: account.password });
  assert.match(questions.body, /Your security questions/, 'signed in to enroll');
  const fields = answerFields();
  fields.email = contacts.email ?? /<datalist id="email-on-file"><option value="([^"]*)"/.exec(questions.body)?.[1] ?? '';
  fields.mobile = contacts.mobile ?? /<datalist id="mobile-on-file"><option value="([^"]*)"/.exec(questions.body)?.[1] ?? '';
  const done = await client.submit('/enroll/questions', fields);
  assert.match(done.body, /You are set up|Your answers and addresses are saved/, 'enrolled');
  return done;
}

/** The question on a question page. */
export function questionOf(page: Page): string {
  const question = /<p class="question">([^<]+)<\/p>/.exec(page.body)?.[1];
  assert.ok(question, 'a question page');
  return storedQuestion(question.replace(/&#39;/g, "'").replace(/&amp;/g, '&'));
}

/** The question a page shows, as stored: a built-in one in any language is its English text. */
export function storedQuestion(shown: string): string {
  return BUILT_IN_QUESTIONS.get(shown) ?? shown;
}

/** Each built-in question as every language shows it, to the stored (English) text the answers are kept under. */
const BUILT_IN_QUESTIONS = new Map(
  LANGUAGES.flatMap((language) => {
    const { strings } = loadStrings(language);
    return DEFAULT_QUESTIONS.map((question, index) => [strings[`question.builtIn.${index}`] ?? question, question] as const);
  }),
);

/** Answers every question of the flow correctly, arriving at the channel page. */
export async function answerAll(client: WebClient, kind: 'reset' | 'unlock', first: Page): Promise<Page> {
  let page = first;
  while (/<p class="question">/.test(page.body)) {
    const answer = ANSWERS[questionOf(page)];
    assert.ok(answer, `an enrolled question: ${questionOf(page)}`);
    page = await client.submit(`/${kind}/answer`, { answer: answer.toUpperCase() });
  }
  return page;
}

/** The six-digit code in the newest message to `address` (e-mail or text). */
export async function codeSentTo(address: string, outbox: Outbox, twilio?: TwilioFake): Promise<string> {
  if (address.startsWith('+')) {
    const text = twilio?.sent.filter((sent) => sent.to === address).at(-1);
    assert.ok(text, `a text message to ${address}`);
    return /(\d{6})/.exec(text.body)![1]!;
  }
  const mail = await outbox.waitFor((message) => message.to.includes(address) && /verification code/i.test(message.subject), 5000);
  return /code is (\d{6})/.exec(mail.text)![1]!;
}

/** From the start page to the verified stage: name, answers, channel, code. */
export async function verify(
  client: WebClient,
  kind: 'reset' | 'unlock',
  account: { sam: string },
  delivery: { channel: 'email' | 'sms'; address: string; outbox: Outbox; twilio?: TwilioFake },
): Promise<Page> {
  await client.get(`/${kind}`);
  const first = await client.submit(`/${kind}`, { username: account.sam, domain: '' });
  const channels = await answerAll(client, kind, first);
  assert.match(channels.body, /Where should we send your code/);
  const codePage = await client.submit(`/${kind}/send`, { channel: delivery.channel });
  assert.match(codePage.body, /Enter your code/, 'the code page');
  const code = await codeSentTo(delivery.address, delivery.outbox, delivery.twilio);
  return client.submit(`/${kind}/code`, { code });
}

/** A whole reset by e-mail code, to the page that says the new password `next` is set. */
export async function resetPassword(client: WebClient, account: { sam: string }, delivery: { address: string; outbox: Outbox }, next: string): Promise<void> {
  const passwordPage = await verify(client, 'reset', account, { channel: 'email', ...delivery });
  assert.match(passwordPage.body, /Choose your new password/, 'verified by answers and code');
  const done = await client.submit('/reset/password', { password: next, confirm: next });
  assert.match(done.body, /Your password has been changed/);
}

/** Enrolls straight into the store, for accounts the enroll page rightly refuses. */
export async function enrollInStore(target: TestPortal, guid: string, sam: string, contacts: { email?: string | null; mobile?: string | null }) {
  await target.app.store.enrollments.save({
    userGuid: guid,
    username: sam,
    email: contacts.email ?? null,
    mobile: contacts.mobile ?? null,
    answers: await Promise.all(Object.entries(ANSWERS).map(async ([question, answer]) => ({ question, answerHash: await hashAnswer(answer) }))),
    now: Date.now(),
  });
}
