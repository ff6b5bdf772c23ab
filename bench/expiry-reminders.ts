/**
 * Password-expiry reminders at scale: does the daily run read a large domain a page at a time
 * with flat memory, and send over a pooled SMTP connection fast enough? In an OU of its own in
 * the dev domain (OU=bench-reminders-…, the run's only search base, removed at the end with its
 * groups and fine-grained policies), N users are added over LDAP into OUs of 1,000 inside it (as
 * departments hold them; Samba keeps an OU's list of children as one record that each add
 * rewrites, so 100,000 in one OU would slow the load to a crawl), several at a time (no
 * password: PASSWD_NOTREQD and pwdLastSet -1 make them enabled with a password set now, without
 * the DC's password hashing), in 30 groups, each under a PSO whose maximum age is 2, 4 … 60 days:
 * the expiries spread over 60 days and about 7 in 30 passwords fall within the 14-day window.
 * Mail goes to an in-process SMTP server that only counts.
 *
 * Figures: the load; a dry run (the scan and the decisions, nothing sent); the run itself (time,
 * directory queries, RSS growth over the RSS before it, messages per second from the first
 * message to the last); a second run the same day (must send nothing); then a run with a lead
 * day of 60, so that every account is due at once (the mail rate when sending is the limit, not
 * the scan). Baselines from the same run: the same paged search with a bare ldapts client over
 * one connection (what the DC itself costs; the job reads in shares over two), and a bare pooled
 * nodemailer transport sending to the same server. Targets: 100,000 accounts scanned in
 * under 2 minutes, RSS growth under 50 MB, 50 messages a second or more.
 *
 *   node --import tsx bench/expiry-reminders.ts [users]      (default 2,000; the target is for 100,000)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Attribute, Change, Client, Control } from 'ldapts';
import nodemailer from 'nodemailer';
import { type App, createApp } from '../src/app.ts';
import { devDirectorySettings } from '../src/cli/demo.ts';
import { loadConfig } from '../src/config/load.ts';
import { devDomain } from '../src/testing/dev-domain.ts';
import { createPso } from '../src/testing/password-settings.ts';
import { type SmtpSink, startSmtpSink } from '../src/testing/smtp-sink.ts';
import { fixed, pool, printTable, rssMb, whole } from './lib/harness.ts';

const USERS = Number(process.argv[2] ?? 2000);
const SPREAD_DAYS = 60;
const GROUPS = 30;
const LOAD_CONCURRENCY = 8;
const MEMBERS_PER_MODIFY = 500;
const USERS_PER_OU = 1000;
const PAGE = 500;
const BASELINE_MESSAGES = 1000;
const TREE_DELETE = '1.2.840.113556.1.4.805';
const EXPIRY = 'msDS-UserPasswordExpiryTimeComputed';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const facts = devDomain();
const seconds = (from: number) => (performance.now() - from) / 1000;

/** A connection bound as `dn`, patient: a DC busy with a bulk load or a subtree delete answers slowly. */
async function patientClient(dn = facts.admin.dn, password = facts.admin.password): Promise<Client> {
  const client = new Client({ url: facts.url, tlsOptions: { ca: readFileSync(facts.caFile) }, timeout: 600_000 });
  await client.bind(dn, password);
  return client;
}

/** The bench's OU with its groups, each under a PSO of its own maximum age; returns the PSOs to remove. */
async function buildOu(admin: Client, ou: string): Promise<{ groups: string[]; psos: string[] }> {
  await admin.add(ou, [new Attribute({ type: 'objectClass', values: ['top', 'organizationalUnit'] })]);
  const groups: string[] = [];
  const psos: string[] = [];
  for (let i = 0; i < GROUPS; i++) {
    const group = `CN=bench-expiry-${i},${ou}`;
    await admin.add(group, [new Attribute({ type: 'objectClass', values: ['top', 'group'] })]);
    groups.push(group);
    psos.push(await createPso(admin, { maxAgeDays: ((i + 1) * SPREAD_DAYS) / GROUPS, groups: [group] }));
  }
  return { groups, psos };
}

/** Adds the users, LOAD_CONCURRENCY at a time, then puts each in its group, many members per modify. */
async function loadUsers(ou: string, groups: string[]): Promise<void> {
  const clients = await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, () => patientClient()));
  const members: string[][] = groups.map(() => []);
  const stamp = randomBytes(3).toString('hex');
  const parts = Array.from({ length: Math.ceil(USERS / USERS_PER_OU) }, (_, index) => `OU=part-${index},${ou}`);
  for (const part of parts) await clients[0]!.add(part, [new Attribute({ type: 'objectClass', values: ['top', 'organizationalUnit'] })]);
  let next = 0;
  const started = performance.now();
  await pool(LOAD_CONCURRENCY, async (worker) => {
    for (let i = next++; i < USERS; i = next++) {
      const sam = `br${stamp}${i}`;
      const dn = `CN=${sam},${parts[Math.floor(i / USERS_PER_OU)]}`;
      await clients[worker]!.add(dn, [
        new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
        new Attribute({ type: 'sAMAccountName', values: [sam] }),
        new Attribute({ type: 'displayName', values: [`Bench ${i}`] }),
        new Attribute({ type: 'mail', values: [`${sam}@${facts.dnsDomain}`] }),
        new Attribute({ type: 'userAccountControl', values: ['544'] }),
        new Attribute({ type: 'pwdLastSet', values: ['-1'] }),
      ]);
      members[i % GROUPS]!.push(dn);
      if (i % Math.max(1, Math.floor(USERS / 10)) === 0) console.error(`  … ${i} users added (${fixed(i / seconds(started), 0)}/s)`);
    }
  });
  for (const [index, group] of groups.entries()) {
    const all = members[index]!;
    for (let at = 0; at < all.length; at += MEMBERS_PER_MODIFY) {
      const modification = new Attribute({ type: 'member', values: all.slice(at, at + MEMBERS_PER_MODIFY) });
      await clients[0]!.modify(group, new Change({ operation: 'add', modification }));
    }
  }
  for (const client of clients) await client.unbind();
}

/** Baseline: the same paged search as the job's, by a bare ldapts client bound as the service account. */
async function bareScan(ou: string): Promise<{ seconds: number; entries: number; pages: number }> {
  const client = await patientClient(facts.serviceAccount.dn, facts.serviceAccount.password);
  const started = performance.now();
  let entries = 0;
  let pages = 0;
  const filter =
    '(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2))(!(userAccountControl:1.2.840.113556.1.4.803:=65536))(!(pwdLastSet=0)))';
  const attributes = ['objectGUID', 'sAMAccountName', 'displayName', 'mail', 'mobile', 'pwdLastSet', EXPIRY];
  for await (const page of client.searchPaginated(ou, { scope: 'sub', filter, attributes, paged: { pageSize: PAGE } })) {
    pages++;
    entries += page.searchEntries.length;
  }
  const result = { seconds: seconds(started), entries, pages };
  await client.unbind();
  return result;
}

/** Baseline: a bare pooled nodemailer transport sending `count` messages, 8 at a time, to the sink. */
async function bareMail(sink: SmtpSink, count: number): Promise<number> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 4 });
  let next = 0;
  const started = performance.now();
  await pool(8, async () => {
    while (next++ < count) await transport.sendMail({ from: 'bench@latchkey.test', to: 'baseline@latchkey.test', subject: 'baseline', text: 'x'.repeat(400) });
  });
  const rate = count / seconds(started);
  transport.close();
  return rate;
}

/** Directory operations the app has made so far (every page of a paged search counts as one). */
async function directoryQueries(app: App): Promise<number> {
  const { values } = await app.metrics.directory.get();
  return values.filter((value) => value.metricName?.endsWith('_count')).reduce((sum, value) => sum + value.value, 0);
}

/** One run of the job, with its time, queries, RSS growth over the RSS before it, and mail rate. */
async function measuredRun(app: App, sink: SmtpSink, dryRun = false) {
  gc();
  const rssBefore = rssMb(process.pid);
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(process.pid))), 50);
  const queriesBefore = await directoryQueries(app);
  const mailBefore = sink.accepted;
  let firstMail = 0;
  let lastMail = 0;
  sink.onAccepted = () => {
    lastMail = performance.now();
    firstMail ||= lastMail;
  };
  const started = performance.now();
  const report = await app.reminders({ dryRun });
  const time = seconds(started);
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(process.pid));
  const messages = sink.accepted - mailBefore;
  return {
    report,
    time,
    queries: (await directoryQueries(app)) - queriesBefore,
    rssGrowth: peak - rssBefore,
    messages,
    rate: messages > 1 ? messages / ((lastMail - firstMail) / 1000) : Number.NaN,
  };
}

async function main() {
  const admin = await patientClient();
  const ou = `OU=bench-reminders-${randomBytes(4).toString('hex')},${facts.baseDn}`;
  const sink = await startSmtpSink({ keep: false });
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-reminders-'));
  let psos: string[] = [];
  let app: App | undefined;
  try {
    console.error(`Loading ${whole(USERS)} users into ${ou} …`);
    const loadStarted = performance.now();
    const built = await buildOu(admin, ou);
    psos = built.psos;
    await loadUsers(ou, built.groups);
    const loadTime = seconds(loadStarted);

    const config = loadConfig({
      env: {},
      base: {
        dataDir,
        server: { publicUrl: 'https://passwords.latchkey.test' },
        directory: { ...devDirectorySettings(facts), searchBases: [ou], timeoutMs: 60_000 },
        smtp: { host: '127.0.0.1', port: sink.port, security: 'none', from: 'Latchkey <noreply@latchkey.test>' },
        reminders: { enabled: true },
      },
    });
    app = await createApp(config, { env: {}, logger: false });
    console.error('Baselines, then a dry run, the run, and a second run …');
    const scan = await bareScan(ou);
    const mailRate = await bareMail(sink, BASELINE_MESSAGES);
    const dry = await measuredRun(app, sink, true);
    const run = await measuredRun(app, sink);
    const again = await measuredRun(app, sink);
    // Every password due at once (a 60-day reminder, new to all): the mail rate when sending, not the scan, is the limit.
    await app.admin.settings.save('reminders', { enabled: true, leadDays: [SPREAD_DAYS] }, { sam: 'bench', guid: null, ip: '-' });
    app.runtime.apply();
    const allDue = await measuredRun(app, sink);

    console.log(
      `\n${whole(USERS)} users, ${GROUPS} PSOs (maximum ages 2 … ${SPREAD_DAYS} days), pages of ${PAGE}; loaded in ${fixed(loadTime, 0)} s (${fixed(USERS / loadTime, 0)} adds/s)\n`,
    );
    const perHundredK = (time: number) => fixed((time * 100_000) / USERS, 0);
    printTable(
      ['figure', 'value', 'baseline (same run)', 'ratio', 'target'],
      [
        ['bare paged search, one connection (entries, pages)', `${fixed(scan.seconds)} s (${whole(scan.entries)}, ${scan.pages})`, '–', '–', '–'],
        ['dry run: scan and decide', `${fixed(dry.time)} s, ${dry.queries} queries`, `${fixed(scan.seconds)} s`, fixed(dry.time / scan.seconds, 2), `–`],
        [
          'the run: time (sent)',
          `${fixed(run.time)} s (${whole(run.report.sent)} sent)`,
          `${fixed(scan.seconds)} s`,
          fixed(run.time / scan.seconds, 2),
          `100,000 scanned < 120 s (here scaled: ${perHundredK(dry.time)} s scan, ${perHundredK(run.time)} s with sending)`,
        ],
        ['the run: directory queries', `${run.queries}`, `${scan.pages} pages`, fixed(run.queries / scan.pages, 2), 'pages, not per user'],
        ['the run: RSS growth', `${fixed(run.rssGrowth)} MB`, '–', '–', '< 50 MB'],
        ['the run: messages per second', fixed(run.rate, 0), `${fixed(mailRate, 0)} (bare pooled nodemailer)`, fixed(run.rate / mailRate, 2), '≥ 50'],
        [
          'every account due: time, messages per second',
          `${fixed(allDue.time)} s (${whole(allDue.report.sent)} sent), ${fixed(allDue.rate, 0)}/s, RSS +${fixed(allDue.rssGrowth)} MB`,
          `${fixed(mailRate, 0)}/s`,
          fixed(allDue.rate / mailRate, 2),
          '≥ 50/s',
        ],
        [
          'second run the same day: sent',
          `${run.report.sent ? again.report.sent : '–'} (${whole(again.report.alreadySent)} sent before), ${fixed(again.time)} s`,
          '–',
          '–',
          '0',
        ],
      ],
    );
    console.log(
      `\nScanned ${whole(run.report.scanned)}; expiring within 14 days ${whole(run.report.upcoming.reduce((a, b) => a + b, 0))}; expired ${run.report.expired}; failed ${run.report.failed}; outcome ${run.report.outcome}.`,
    );
  } finally {
    await app?.close();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
    console.error('Removing the PSOs, then the OU with its users and groups …');
    // On a connection of its own: the DC drops one left idle through a long run, and ldapts would reconnect unbound.
    await admin.unbind().catch(() => undefined);
    const cleaner = await patientClient();
    for (const pso of psos) await cleaner.del(pso).catch((error: unknown) => console.error(`could not remove ${pso}: ${(error as Error).message}`));
    await cleaner
      .del(ou, new Control(TREE_DELETE, { critical: true }))
      .catch((error: unknown) => console.error(`could not remove ${ou}: ${(error as Error).message}`));
    await cleaner.unbind();
  }
}

await main();
