/**
 * The client side of the flows the HTTP benches drive: the reset first step (GET /reset for the
 * CSRF cookie and token, then POST /reset) alone, in a flood, and the whole reset journey of a
 * person (name, answers, code by e-mail, new password).
 */
import assert from 'node:assert/strict';
import type { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Outbox } from '../../src/notify/outbox.ts';
import { freshPassword, type TestUser } from '../../src/testing/dev-domain.ts';
import { answerAll } from '../../src/testing/journeys.ts';
import { csrfOf } from '../../src/testing/web-client.ts';
import { cookiesOf, cpuMs, httpWebClient, keepAlive, pool, send, type Target } from './harness.ts';

export interface FloodFigures {
  /** Flows started, and those started after the warm-up (measured). */
  flows: number;
  measured: number;
  /** The measured span. */
  seconds: number;
  post: number[];
  get: number[];
  /** Requests that failed or answered other than expected (200 then 303 to /reset/verify, or the per-address refusal). */
  errors: number;
  /** First steps refused because their address was over its limit (a page that says so, no flow). */
  refused: number;
  /** First steps shed under pressure: the busy page (503), at the form or at the name. */
  shed: number;
  /** POSTs answered, by typed name. */
  hits: Map<string, number>;
  /** POSTs answered, by address. */
  byAddress: Map<string, number>;
  /** CPU time the server process used during the whole flood (warm-up included), ms. */
  cpuMs: number;
}

/** Figures with nothing counted yet. */
export const emptyFigures = (): FloodFigures => ({
  flows: 0,
  measured: 0,
  seconds: 0,
  post: [],
  get: [],
  errors: 0,
  refused: 0,
  shed: 0,
  hits: new Map(),
  byAddress: new Map(),
  cpuMs: 0,
});

/** One first step: the form (CSRF cookie and token), then the name. */
export async function firstStep(
  port: number,
  agent: Agent,
  ip: string,
  name: string,
  bare: boolean,
  figures: FloodFigures,
  measured: boolean,
  fields: Record<string, string> = {},
): Promise<void> {
  const page = await send(port, agent, 'GET', '/reset', { 'x-forwarded-for': ip }).catch(() => null);
  if (!bare && page?.status === 503) {
    figures.shed += 1;
    return;
  }
  if (page?.status !== 200) {
    figures.errors += 1;
    return;
  }
  if (measured) figures.get.push(page.ms);
  const token = csrfOf(page.body);
  const cookie = cookiesOf(page.headers).get('lk_csrf');
  if (!bare && (!token || !cookie)) {
    figures.errors += 1;
    return;
  }
  const body = new URLSearchParams({ username: name, domain: '', ...fields, ...(token ? { _csrf: token } : {}) }).toString();
  const posted = await send(port, agent, 'POST', '/reset', { 'x-forwarded-for': ip, ...(cookie ? { cookie: `lk_csrf=${cookie}` } : {}) }, body).catch(
    () => null,
  );
  if (!posted) {
    figures.errors += 1;
    return;
  }
  if (!bare && posted.status === 503) {
    figures.shed += 1;
    return;
  }
  const refused = !bare && posted.status === 200 && /too many attempts from your network/.test(posted.body);
  if (refused) figures.refused += 1;
  else if (bare ? posted.status !== 200 : posted.status !== 303 || posted.headers.location !== '/reset/verify') figures.errors += 1;
  if (measured) figures.post.push(posted.ms);
  figures.hits.set(name, (figures.hits.get(name) ?? 0) + 1);
  figures.byAddress.set(ip, (figures.byAddress.get(ip) ?? 0) + 1);
}

/**
 * Flows from `concurrency` clients (started spread over a second), each flow's address and name
 * from `pick` (null: no more), for `warmup` + `seconds`; rates and latencies are of the flows
 * started after the warm-up.
 */
export async function flood(
  target: Target,
  concurrency: number,
  bare: boolean,
  pick: (flow: number) => { ip: string; name: string; fields?: Record<string, string> } | null,
  seconds: number,
  warmup: number,
): Promise<FloodFigures> {
  const figures = emptyFigures();

  const cpuBefore = cpuMs(target.pid);
  const agent = keepAlive(concurrency);
  const started = performance.now();
  const measureFrom = started + warmup * 1000;
  const end = measureFrom + seconds * 1000;
  let next = 0;
  await pool(concurrency, async (worker) => {
    await sleep((worker * 1000) / concurrency);
    while (performance.now() < end) {
      const flow = pick(next++);
      if (!flow) return;
      const measured = performance.now() >= measureFrom;
      await firstStep(target.port, agent, flow.ip, flow.name, bare, figures, measured, flow.fields);
      figures.flows += 1;
      if (measured) figures.measured += 1;
    }
  });
  figures.seconds = (performance.now() - measureFrom) / 1000;
  figures.cpuMs = cpuMs(target.pid) - cpuBefore;
  agent.destroy();
  return figures;
}

/** The steps of a journey, for the breakdown: each is the request(s) named, redirects followed. */
export const STEPS = [
  'GET /reset + POST /reset (first step)',
  'POST /reset/answer × 2 (argon2 checks)',
  'POST /reset/send (code e-mailed)',
  'POST /reset/code (+ the password rules)',
  'POST /reset/password (reset + notice e-mail)',
] as const;
export type Steps = Map<(typeof STEPS)[number], number[]>;
export const newSteps = (): Steps => new Map(STEPS.map((name) => [name, []]));

/** A page in a few words, for a failed step's message: its heading and its first message or error. */
function gist(body: string): string {
  const text = (pattern: RegExp) =>
    pattern
      .exec(body)?.[1]
      ?.replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim();
  return [text(/<h1[^>]*>([\s\S]*?)<\/h1>/), text(/class="(?:message|error-summary)[^"]*"[^>]*>([\s\S]*?)<\/(?:p|div)>/)].filter(Boolean).join(': ');
}

/**
 * One reset journey through the pages from `ip`, as the user of `user` (enrolled with the
 * answers of src/testing/journeys.ts); each step's time goes to `steps`. Returns the new password.
 */
export async function journey(port: number, agent: Agent, outbox: Outbox, user: TestUser, ip: string, steps: Steps): Promise<string> {
  const client = httpWebClient(port, agent, { ip });
  let mark = performance.now();
  const step = (name: (typeof STEPS)[number]) => {
    const now = performance.now();
    steps.get(name)!.push(now - mark);
    mark = now;
  };
  await client.get('/reset');
  const first = await client.submit('/reset', { username: user.sam, domain: '' });
  step(STEPS[0]);
  const channels = await answerAll(client, 'reset', first);
  assert.match(channels.body, /Where should we send your code/, `${user.sam}: the channel page, not ${gist(channels.body)}`);
  step(STEPS[1]);
  // Only a message that arrives after this moment is this journey's (the user may have had one before).
  const sentAfter = Date.now();
  const codePage = await client.submit('/reset/send', { channel: 'email' });
  assert.match(codePage.body, /Enter your code/, `${user.sam}: the code page, not ${gist(codePage.body)}`);
  const address = user.upn.toLowerCase();
  const mail = await outbox.waitFor((m) => m.to.includes(address) && /verification code/i.test(m.subject) && m.date.getTime() >= sentAfter, 15_000);
  const code = /code is (\d{6})/.exec(mail.text)?.[1];
  assert.ok(code, `${user.sam}: a code in the e-mail`);
  step(STEPS[2]);
  const passwordPage = await client.submit('/reset/code', { code });
  assert.match(passwordPage.body, /Choose your new password/, `${user.sam}: the new-password page, not ${gist(passwordPage.body)}`);
  step(STEPS[3]);
  const password = freshPassword();
  const done = await client.submit('/reset/password', { password, confirm: password });
  assert.match(done.body, /Your password has been changed/, `${user.sam}: the password was reset, not ${gist(done.body)}`);
  step(STEPS[4]);
  return password;
}
