/**
 * How many whole self-service resets a second does Latchkey complete against the dev domain's
 * Samba DC, compared with what the DC itself allows? N users of the dev domain are created and
 * enrolled once (through the pages); then each journey is what a person does over HTTP:
 * GET /reset → name → the questions (argon2 checks) → a code by e-mail (read from the SMTP
 * outbox) → the code → the new password (the service account's reset) → the notice e-mail.
 * The baseline, measured in the same run just before, at the same concurrency and count: raw
 * ldapts password resets against the same DC (a modify replacing unicodePwd as the service
 * account, in a loop), over one shared connection as Latchkey uses, and over one connection
 * per worker. ../shared/samba-ad-facts.md saw the DC serialise resets at ~22/s on 2 cores.
 *
 * Journeys come from their own addresses (X-Forwarded-For; the portal trusts 127.0.0.1) and
 * stay within the default limits (no user does more than 2 in a portal). They run with
 * protection.responseDelayMs at its default (400–900 ms on the first step and on sending the
 * code), then with the delay off, each in a fresh portal. Latchkey's CPU per journey is given
 * whole and without the deliberate cost of hashing: the two answer checks, each one argon2id
 * verification with the default parameters, timed in this process (CPU) just before.
 *
 * With the delay off, the password change: one user at a time, alternately the raw LDAP steps
 * a change takes (the user looked up over the held service connection, a new connection bound
 * as the user, the modify that deletes the old password and adds the new one) and Latchkey's
 * POST /change (after its GET), each changing its user's password; p50 and p99 of each and the
 * ratio. Needs the dev domain (scripts/dev-ad up); the users are removed at the end.
 *
 *   node --import tsx bench/journeys-vs-ldap.ts [users, default 48]
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { Attribute, Change, Client } from 'ldapts';
import { encodeUnicodePwd } from '../src/directory/ad-values.ts';
import type { Outbox } from '../src/notify/outbox.ts';
import { bindAs, devDomain, freshPassword, type TestUser } from '../src/testing/dev-domain.ts';
import { enroll } from '../src/testing/journeys.ts';
import { journey, newSteps, STEPS, type Steps } from './lib/flows.ts';
import { addressOf, cpuMs, fixed, httpWebClient, keepAlive, latchkeyConfig, openBenchWorld, pool, printTable, quantile, startTarget } from './lib/harness.ts';

const USERS = Number(process.argv[2] ?? 48);
/** Concurrency levels, and journeys (and raw resets) at each. */
const LEVELS = [
  { concurrency: 1, count: Math.min(6, USERS) },
  { concurrency: 4, count: Math.min(24, USERS) },
  { concurrency: 16, count: USERS },
];
const TRUSTED = ['127.0.0.1'];
const MODES: { label: string; delay?: { min: number; max: number } }[] = [
  { label: 'delay 400–900 ms (default)' },
  { label: 'delay off', delay: { min: 0, max: 0 } },
];

const facts = devDomain();
/** Each user's password as it stands (every reset changes it; enrollment needs it). */
const passwords = new Map<string, string>();

async function serviceClient(): Promise<Client> {
  const client = new Client({ url: facts.url, tlsOptions: { ca: readFileSync(facts.caFile) }, timeout: 30_000 });
  await client.bind(facts.serviceAccount.dn, facts.serviceAccount.password);
  return client;
}

interface Figure {
  count: number;
  seconds: number;
  latencies: number[];
}

/** `count` resets of the users' unicodePwd as the service account, `concurrency` at a time. */
async function rawResets(users: TestUser[], concurrency: number, count: number, connections: 'shared' | 'each'): Promise<Figure> {
  const clients = await Promise.all(Array.from({ length: connections === 'shared' ? 1 : concurrency }, serviceClient));
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await pool(concurrency, async (worker) => {
    const client = clients[connections === 'shared' ? 0 : worker]!;
    for (let i = next++; i < count; i = next++) {
      const user = users[i % users.length]!;
      const password = freshPassword();
      const t = performance.now();
      await client.modify(
        user.dn,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(password)] }) }),
      );
      latencies.push(performance.now() - t);
      passwords.set(user.dn, password);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((client) => client.unbind().catch(() => undefined)));
  return { count, seconds, latencies };
}

/** CPU ms of one argon2id verification with the default parameters (those of the answers), in this process. */
async function argon2VerifyCpuMs(times = 10): Promise<number> {
  const stored = await hash('calibration');
  const before = process.cpuUsage();
  for (let i = 0; i < times; i++) await verify(stored, 'calibration');
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / times;
}

/** One change by the raw LDAP steps: the user found over the held service connection, bound on a new connection, the modify. */
async function rawChange(service: Client, user: TestUser, next: string): Promise<number> {
  const started = performance.now();
  const { searchEntries } = await service.search(facts.baseDn, { scope: 'sub', filter: `(sAMAccountName=${user.sam})`, attributes: ['dn'] });
  const client = new Client({ url: facts.url, tlsOptions: { ca: readFileSync(facts.caFile) }, timeout: 30_000 });
  await client.bind(searchEntries[0]!.dn, passwords.get(user.dn)!);
  await client.modify(user.dn, [
    new Change({ operation: 'delete', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(passwords.get(user.dn)!)] }) }),
    new Change({ operation: 'add', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(next)] }) }),
  ]);
  const took = performance.now() - started;
  await client.unbind();
  passwords.set(user.dn, next);
  return took;
}

/** One change through Latchkey's page: the form, then the POST (timed). */
async function latchkeyChange(port: number, user: TestUser, ip: string, next: string): Promise<number> {
  const agent = keepAlive(1);
  const client = httpWebClient(port, agent, { ip });
  await client.get('/change');
  const started = performance.now();
  const done = await client.submit('/change', { username: user.sam, domain: '', oldPassword: passwords.get(user.dn)!, newPassword: next, confirm: next });
  const took = performance.now() - started;
  agent.destroy();
  assert.match(done.body, /Your password has been changed/, `${user.sam}: the change went through`);
  passwords.set(user.dn, next);
  return took;
}

/** Changes, alternately raw and through Latchkey, each user once. */
async function changes(port: number, count: number, block: number): Promise<{ raw: number[]; latchkey: number[] }> {
  const service = await serviceClient();
  const raw: number[] = [];
  const latchkey: number[] = [];
  try {
    for (let i = 0; i + 1 < count; i += 2) {
      raw.push(await rawChange(service, users[i]!, freshPassword()));
      latchkey.push(await latchkeyChange(port, users[i + 1]!, addressOf(block, i), freshPassword()));
    }
  } finally {
    await service.unbind().catch(() => undefined);
  }
  return { raw, latchkey };
}

async function journeys(
  port: number,
  outbox: Outbox,
  users: TestUser[],
  concurrency: number,
  count: number,
  offset: number,
  block: number,
): Promise<Figure & { steps: Steps }> {
  const steps = newSteps();
  const agent = keepAlive(concurrency);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await pool(concurrency, async () => {
    for (let i = next++; i < count; i = next++) {
      const t = performance.now();
      const user = users[(offset + i) % users.length]!;
      passwords.set(user.dn, await journey(port, agent, outbox, user, addressOf(block, i), steps));
      latencies.push(performance.now() - t);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { count, seconds, latencies, steps };
}

const world = await openBenchWorld();
const { outbox, twilio } = world;
let users: TestUser[] = [];
const rows: string[][] = [];
/** Step breakdown: mode → concurrency → steps. */
const breakdown = new Map<string, Map<number, Steps>>();
let hashingMs = Number.NaN;
let changed: { raw: number[]; latchkey: number[] } | null = null;
try {
  hashingMs = 2 * (await argon2VerifyCpuMs());
  console.log(`${cpus().length} cores, Node ${process.version}; creating ${USERS} users in the dev domain`);
  users = await world.createUsers(USERS);
  for (const user of users) passwords.set(user.dn, user.password);
  let block = 10;
  for (const mode of MODES) {
    const config = latchkeyConfig(
      { server: { trustedProxies: TRUSTED }, ...(mode.delay ? { protection: { responseDelayMs: mode.delay } } : {}) },
      { outbox, twilio },
    );
    const target = await startTarget({ kind: 'latchkey', base: config.base }, { compiled: true });
    try {
      const agent = keepAlive(8);
      const queue = users.map((user, i) => ({ user, ip: addressOf(block, i) }));
      block += 1;
      const enrollStarted = performance.now();
      await pool(8, async () => {
        for (let job = queue.pop(); job; job = queue.pop()) {
          await enroll(httpWebClient(target.port, agent, { ip: job.ip }), { sam: job.user.sam, password: passwords.get(job.user.dn)! });
        }
      });
      agent.destroy();
      console.log(`  ${mode.label}: ${USERS} users enrolled in ${fixed((performance.now() - enrollStarted) / 1000)} s`);
      let offset = 0;
      for (const { concurrency, count } of LEVELS) {
        const shared = await rawResets(users, concurrency, count, 'shared');
        const each = concurrency > 1 ? await rawResets(users, concurrency, count, 'each') : null;
        const cpuBefore = cpuMs(target.pid);
        const walked = await journeys(target.port, outbox, users, concurrency, count, offset, block++);
        const cpuPerJourney = (cpuMs(target.pid) - cpuBefore) / count;
        offset += count;
        if (!breakdown.has(mode.label)) breakdown.set(mode.label, new Map());
        breakdown.get(mode.label)!.set(concurrency, walked.steps);
        const rate = (f: Figure) => f.count / f.seconds;
        const line = (label: string, f: Figure, ratio: string, cpu = '') => [
          mode.label,
          String(concurrency),
          label,
          String(f.count),
          fixed(rate(f), 2),
          fixed(quantile(f.latencies, 0.5), 0),
          fixed(quantile(f.latencies, 0.99), 0),
          ratio,
          cpu,
          cpu && fixed(Number(cpu) - hashingMs, 0),
        ];
        rows.push(line('raw ldapts reset, 1 shared connection', shared, '1×'));
        if (each) rows.push(line(`raw ldapts reset, ${concurrency} connections`, each, `${fixed(rate(each) / rate(shared), 2)}×`));
        rows.push(line('Latchkey reset journey', walked, `${fixed(rate(walked) / rate(shared), 3)}×`, fixed(cpuPerJourney, 0)));
        console.log(`  ${mode.label}, ${concurrency} at a time: raw ${fixed(rate(shared), 1)}/s, journeys ${fixed(rate(walked), 2)}/s`);
      }
      if (mode.delay) changed = await changes(target.port, Math.min(USERS, 24), block++);
      const stats = await target.stats();
      const resets = stats.audit.filter((row) => row.action === 'reset' && row.outcome === 'success').reduce((sum, row) => sum + row.n, 0);
      const expected = LEVELS.reduce((sum, level) => sum + level.count, 0);
      if (resets !== expected) console.log(`  ! ${resets} successful resets in the audit trail, ${expected} journeys`);
      // With the delay off every first step "overruns" it, and says so; with the delay on that would be news.
      if (stats.warnings && mode.delay === undefined) console.log(`  ! the portal logged ${stats.warnings} warnings: ${stats.messages.join(' | ')}`);
    } finally {
      await target.stop();
      config.cleanup();
    }
  }
  // The journeys really changed the passwords in the directory.
  for (const user of users.slice(0, 3)) assert.equal(await bindAs(user.dn, passwords.get(user.dn)!), 'ok', `${user.sam} signs in with the last password set`);
} finally {
  await world.close();
}

console.log(
  `\n${USERS} users; each row is one batch of "count" resets run "concurrency" at a time, wall-clock rate. ` +
    `Latency: one reset (raw) or one whole journey (12 HTTP requests, 2 e-mails). ` +
    `Ratio: to the raw resets over one shared connection at the same concurrency, measured just before. ` +
    `CPU: user + system time of the Latchkey process (all threads: argon2 included) over the batch, per journey.\n`,
);
printTable(['portal', 'concurrency', 'what', 'count', 'per second', 'p50 ms', 'p99 ms', 'ratio', 'Latchkey CPU ms / journey', '… without hashing'], rows);
console.log(
  `\nHashing: 2 answer checks per journey, each one argon2id verification with @node-rs/argon2's defaults ` +
    `(19 MiB, 2 passes, 1 lane: OWASP's recommended minimum), ${fixed(hashingMs / 2, 1)} ms of CPU each here.`,
);
if (changed) {
  const p = (values: number[], q: number) => quantile(values, q);
  console.log(`\nPassword change, one at a time, delay off, ${changed.raw.length} of each, alternating.\n`);
  printTable(
    ['what', 'p50 ms', 'p99 ms', 'p50 ÷ raw', 'p99 ÷ raw'],
    [
      ['raw LDAP steps (search, new connection bound as the user, modify)', fixed(p(changed.raw, 0.5), 1), fixed(p(changed.raw, 0.99), 1), '1×', '1×'],
      [
        'Latchkey POST /change',
        fixed(p(changed.latchkey, 0.5), 1),
        fixed(p(changed.latchkey, 0.99), 1),
        `${fixed(p(changed.latchkey, 0.5) / p(changed.raw, 0.5), 2)}×`,
        `${fixed(p(changed.latchkey, 0.99) / p(changed.raw, 0.99), 2)}×`,
      ],
    ],
  );
}

const levels = LEVELS.map((level) => level.concurrency);
console.log(`\nWhere a journey's time goes: p50 ms of each step (the requests named, redirects followed), by concurrency.\n`);
printTable(
  ['step', ...MODES.flatMap((mode) => levels.map((c) => `${mode.label}, ${c} at a time`))],
  STEPS.map((name) => [name, ...MODES.flatMap((mode) => levels.map((c) => fixed(quantile(breakdown.get(mode.label)?.get(c)?.get(name) ?? [], 0.5), 0)))]),
);
