/**
 * Every page in every language: the public pages and each step of a reset, /me, the helpdesk
 * and the admin console, crawled link by link, show no raw string key; the e-mails go out in the
 * language of the page that caused them, or else the one the person last used; and the admin's
 * message texts apply per language.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LANGUAGES, type Language } from '../../i18n/languages.ts';
import { devDomain, freshPassword, type TestUser } from '../../testing/dev-domain.ts';
import { ANSWERS, enroll, questionOf } from '../../testing/journeys.ts';
import { portalFixture } from '../../testing/portal.ts';
import { csrfOf, type Page, type WebClient, webClient } from '../../testing/web-client.ts';

const facts = devDomain();
const EDITOR = { sam: 'test', guid: null, ip: '127.0.0.1' };
let clients = 0;
/** A client of its own address, so that the crawl stays under the portal's flood guard per address. */
const newClient = () => webClient(fixture.portal.app.server, { ip: `10.77.${Math.floor(++clients / 200)}.${clients % 200}` });
const fixture = portalFixture({
  protection: { perIp: { max: 1000 }, perUser: { max: 100 } },
  // A code for each language's reset: more than the default caps allow one person.
  codes: { perDestination: { perHour: 50, perDay: 50 }, perAccount: { perHour: 50, perDay: 50 } },
  helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: [facts.ous.staff] }] },
});
const folder = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'i18n', 'strings');
const strings = Object.fromEntries(LANGUAGES.map((language) => [language, JSON.parse(readFileSync(join(folder, `${language}.json`), 'utf8'))])) as Record<
  Language,
  Record<string, string>
>;
const text = (language: Language, key: string, params: Record<string, string> = {}) =>
  strings[language][key]!.replace(/\{(\w+)\}/g, (_whole, name: string) => params[name] ?? `{${name}}`);

/** What a raw key looks like on a page: a known key family, a dot and a name (`reset.heading`), or an error code. */
const families = [...new Set(Object.keys(strings.en).map((key) => key.split('.')[0]!))].filter((family) => !family.startsWith('LK_'));
const RAW_KEY = new RegExp(`(?<![\\w/.@-])(?:${families.join('|')})\\.[A-Za-z][\\w-]*(?:\\.[\\w-]+)*(?![\\w@])`, 'g');
/** Real text that looks like a key: a setting's name the console quotes, and the example key its message-texts help names. */
const NOT_KEYS = new Set(['admin.group', 'mail.reset.body']);

function assertSpeaks(page: Page, language: Language, where: string, codes = true) {
  assert.match(page.body, new RegExp(`<html lang="${language}" dir="ltr">`), `${where}: in ${language}`);
  // The audit's rows are recorded data (setting paths such as helpdesk.groups, codes), not the page's text.
  const shown = where.startsWith('/admin/audit') ? page.body.replace(/<tbody>[\s\S]*?<\/tbody>/g, '') : page.body;
  const raw = [...shown.matchAll(RAW_KEY)].map(([key]) => key).filter((key) => !NOT_KEYS.has(key));
  assert.deepEqual(raw, [], `${where} in ${language} shows raw keys`);
  if (codes) assert.doesNotMatch(page.body, /\bLK_[A-Z_]+\b/, `${where} in ${language} shows an error code`);
}

/**
 * Visits `seeds` and every same-origin page their links lead to (up to `limit`), in `language`,
 * asserting each speaks it. Returns the paths seen.
 */
async function crawl(client: WebClient, language: Language, seeds: string[], options: { limit?: number; codes?: boolean } = {}): Promise<string[]> {
  client.cookies.set('lang', language);
  const queue = [...seeds];
  const seen = new Set<string>();
  while (queue.length && seen.size < (options.limit ?? 40)) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const page = await client.get(path);
    if (page.status >= 300 && page.status < 400) {
      if (page.location?.startsWith('/')) queue.push(page.location);
      continue;
    }
    if (!String(page.headers['content-type']).startsWith('text/html')) continue;
    assertSpeaks(page, language, path, options.codes);
    for (const [, href] of page.body.matchAll(/href="(\/[^"#]*)"/g)) {
      const link = href!.replace(/&amp;/g, '&');
      if (!/^\/(static|language|dev)\b|\/export\b/.test(link)) queue.push(link);
    }
  }
  return [...seen];
}

async function signedIn(path: string, sam: string, password: string): Promise<WebClient> {
  const client = newClient();
  await client.get(path);
  const page = await client.submit(`${path}/sign-in`, { username: sam, domain: '', password });
  assert.equal(page.status, 200, `${sam} signed in to ${path}`);
  return client;
}

/** The newest e-mail to `address` whose subject is `subject`. */
const mailTo = (address: string, subject: string) => fixture.portal.outbox.waitFor((mail) => mail.to.includes(address) && mail.subject === subject, 5000);

/** A whole reset in `language` by questions and an e-mailed code, each step checked for raw keys; the code's e-mail. */
async function resetIn(language: Language, user: TestUser, codeSubject = text(language, 'mail.code.subject', { organisation: 'Latchkey' })) {
  const client = newClient();
  client.cookies.set('lang', language);
  const address = `${user.sam}@${facts.dnsDomain}`;
  assertSpeaks(await client.get('/reset'), language, '/reset');
  assertSpeaks(await client.post('/reset', { username: '' }), language, '/reset with an error', false);
  let page = await client.submit('/reset', { username: user.sam, domain: '' });
  assertSpeaks(page, language, 'the first question');
  assertSpeaks(await client.submit('/reset/answer', { answer: 'not it' }), language, 'a wrong answer', false);
  while (/<p class="question">/.test(page.body)) page = await client.submit('/reset/answer', { answer: ANSWERS[questionOf(page)]! });
  assertSpeaks(page, language, 'the channel page');
  page = await client.submit('/reset/send', { channel: 'email' });
  assertSpeaks(page, language, 'the code page');
  const mail = await mailTo(address, codeSubject);
  page = await client.submit('/reset/code', { code: /(\d{6})/.exec(mail.text)![1]! });
  assertSpeaks(page, language, 'the new password page');
  assertSpeaks(await client.submit('/reset/password', { password: 'x', confirm: 'y' }), language, 'refused passwords', false);
  const next = freshPassword();
  page = await client.submit('/reset/password', { password: next, confirm: next });
  assertSpeaks(page, language, 'the done page');
  assert.ok(page.body.includes(text(language, 'reset.done')), `${language}: the reset is done`);
  return { codeMail: mail, password: next };
}

describe('every page in every language', () => {
  test('the public pages, enrollment and every step of a reset, with their e-mails', async () => {
    const user = await fixture.person();
    await enroll(newClient(), user);
    for (const language of LANGUAGES) {
      await crawl(newClient(), language, ['/', '/enroll', '/reset', '/unlock', '/change', '/me', '/helpdesk', '/admin', '/nowhere']);
      const { codeMail } = await resetIn(language, user);
      assert.ok(
        codeMail.text.includes(
          text(language, 'mail.code.body', { organisation: 'Latchkey', code: /(\d{6})/.exec(codeMail.text)![1]!, minutes: '15' }).split('\n')[0]!,
        ),
      );
      const notice = await mailTo(`${user.sam}@${facts.dnsDomain}`, text(language, 'mail.reset.subject', { organisation: 'Latchkey' }));
      assert.ok(notice.text.startsWith(text(language, 'mail.reset.body').split(',')[0]!.replace('{name}', '')), `${language}: the notice speaks it`);
    }
  });

  test('/me, the helpdesk and the admin console', async () => {
    const user = await fixture.person();
    await enroll(newClient(), user);
    for (const language of LANGUAGES) {
      const me = await signedIn('/me', user.sam, user.password);
      const desk = await signedIn('/helpdesk', facts.helpdesk.member, facts.userPassword);
      const admin = await signedIn('/admin', facts.admins.member, facts.userPassword);
      const mine = await crawl(me, language, ['/me']);
      assert.ok(mine.includes('/me/passkeys') && mine.includes('/me/groups'), `${language}: /me's pages were visited: ${mine}`);
      const desks = await crawl(desk, language, [`/helpdesk?q=${user.sam}`]);
      assert.ok(
        desks.some((path) => path.startsWith('/helpdesk/users/')),
        `${language}: a user's page was visited: ${desks}`,
      );
      // The console quotes error codes in the audit and the dashboard's reasons: only keys are looked for.
      const consoles = await crawl(admin, language, ['/admin', '/admin/settings', '/admin/audit'], { limit: 40, codes: false });
      assert.ok(consoles.filter((path) => path.startsWith('/admin/settings/')).length > 5, `${language}: the settings sections were visited: ${consoles}`);
    }
  });
});

describe('messages in the recipient’s language', () => {
  test('a code the helpdesk sends goes out in the language the owner last used, not the operator’s', async () => {
    const user = await fixture.person();
    await enroll(newClient(), user);
    await resetIn('nl', user);
    const desk = await signedIn('/helpdesk', facts.helpdesk.member, facts.userPassword);
    desk.cookies.set('lang', 'en');
    const guid = (await fixture.portal.app.directory.findUser(user.sam))!.guid;
    const userPage = await desk.get(`/helpdesk/users/${guid}`);
    const sent = await desk.post(`/helpdesk/users/${guid}/send-code`, { channel: 'email' }, { csrf: csrfOf(userPage.body) ?? false });
    assert.match(sent.body, /A code was sent/, 'the operator’s page is in English');
    await mailTo(`${user.sam}@${facts.dnsDomain}`, text('nl', 'mail.callerCode.subject', { organisation: 'Latchkey' }));
  });

  test('the admin’s message texts apply per language; unmarked ones to the default language only', async () => {
    const user = await fixture.person();
    await enroll(newClient(), user);
    const { runtime } = fixture.portal.app;
    const before = runtime.settings.current().notifications;
    const texts = { 'mail.code.subject': 'Default-language code', de: { 'mail.code.subject': 'Ihr Code, vom Admin' } };
    assert.ok((await runtime.settings.save('notifications', { ...before, texts }, EDITOR)).ok);
    runtime.apply();
    try {
      await resetIn('de', user, 'Ihr Code, vom Admin');
      await resetIn('fr', user);
      await resetIn('en', user, 'Default-language code');
    } finally {
      await runtime.settings.save('notifications', before, EDITOR);
      runtime.apply();
    }
  });
});
