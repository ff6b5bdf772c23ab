/**
 * A real person's reset under a flood: can someone still reset their password while thousands of
 * addresses hammer the first step at several times what the portal can serve? One Latchkey
 * process (the uniform delay at its default, 400–900 ms), in three phases:
 *
 * 1. Capacity: 256 kept-alive clients make first steps (GET /reset, POST /reset with an unknown
 *    name), every flow from an address of its own, so neither a limit nor shedding bites; the
 *    rate held is what the portal can serve.
 * 2. The flood: first steps sent at a fixed rate of MULTIPLE × that capacity (open loop: they keep
 *    coming whatever the answers), from 8,192 addresses in turn, with unknown and real names
 *    round-robin. After a lead-in, people walk whole reset journeys one after another, each from
 *    an address of its own (the name, two answers, a code by e-mail, the new password): every
 *    page's time and any error is recorded.
 * 3. Afterwards, from the portal's own database and the fakes: rows added by the flood (audit
 *    entries: repeated refusals count on one), codes, e-mails and texts the flood got sent (must
 *    be 0: the journeys' own are subtracted), RSS during the flood and the heap before and after.
 *
 * Needs the dev domain (scripts/dev-ad up); the users it creates are removed at the end.
 *
 *   node --import tsx bench/flood-journey.ts [flood seconds, default 60] [multiple, default 5]
 */
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestUser } from '../src/testing/dev-domain.ts';
import { enroll } from '../src/testing/journeys.ts';
import { emptyFigures, firstStep, flood, journey, newSteps, STEPS } from './lib/flows.ts';
import {
  addressOf,
  fixed,
  httpWebClient,
  keepAlive,
  latchkeyConfig,
  openBenchWorld,
  pool,
  printTable,
  quantile,
  rssSampler,
  startTarget,
  whole,
} from './lib/harness.ts';
import type { TargetStats } from './lib/target.ts';

const FLOOD_SECONDS = Number(process.argv[2] ?? 60);
const MULTIPLE = Number(process.argv[3] ?? 5);
const ADDRESSES = 8192;
/** Journeys start once the flood has run this long: every flood address has been seen by then. */
const LEAD_IN_SECONDS = Math.min(20, FLOOD_SECONDS / 3);
const PEOPLE = 16;
/** First steps in flight beyond which the generator skips a beat (counted), so that it stays a client, not a queue. */
const MAX_IN_FLIGHT = 8192;

const events = (stats: TargetStats, action: string) => stats.audit.filter((row) => row.action === action).reduce((sum, row) => sum + row.n, 0);
const entries = (stats: TargetStats) => stats.audit.reduce((sum, row) => sum + row.entries, 0);

const world = await openBenchWorld();
const { outbox, twilio } = world;
let users: TestUser[] = [];
try {
  console.log(`${availableParallelism()} cores, Node ${process.version}; creating ${PEOPLE} users in the dev domain`);
  users = await world.createUsers(PEOPLE);
  const config = latchkeyConfig({ server: { trustedProxies: ['127.0.0.1'] } }, { outbox, twilio });
  const target = await startTarget({ kind: 'latchkey', base: config.base });
  const rss = rssSampler(target.pid);
  try {
    const agent = keepAlive(8);
    const queue = users.map((user, i) => ({ user, ip: addressOf(200, i) }));
    await pool(4, async () => {
      for (let job = queue.pop(); job; job = queue.pop()) await enroll(httpWebClient(target.port, agent, { ip: job.ip }), job.user);
    });
    agent.destroy();

    // 1. Capacity.
    const capacity = await flood(target, 256, false, (flow) => ({ ip: addressOf(30 + (flow >> 16), flow & 0xffff), name: `nobody-${flow % 997}` }), 8, 2);
    const rate = capacity.measured / capacity.seconds;
    await sleep(12_000); // the pressure's hold passes, the loop is idle again
    const idle = await target.stats();
    const idleRss = rss.window().end().last;
    console.log(
      `  capacity: ${whole(rate)} first steps/s (POST p99 ${whole(quantile(capacity.post, 0.99))} ms); idle heap ${fixed(idle.heapMb)} MB, RSS ${fixed(idleRss)} MB`,
    );

    // 2. The flood, and people's journeys in it.
    const offered = MULTIPLE * rate;
    const figures = emptyFigures();
    const mailsBefore = outbox.messages()[0];
    const textsBefore = twilio.sent.length;
    const floodAgent = keepAlive(1024);
    const during = rss.window();
    let sent = 0;
    let skipped = 0;
    let inFlight = 0;
    const started = performance.now();
    const end = started + FLOOD_SECONDS * 1000;
    const generator = (async () => {
      while (performance.now() < end) {
        const due = Math.floor(((performance.now() - started) / 1000) * offered);
        for (; sent < due; sent++) {
          if (inFlight >= MAX_IN_FLIGHT) {
            skipped += 1;
            continue;
          }
          inFlight += 1;
          const name = sent % 2 ? `nobody-${sent % 1009}` : users[sent % PEOPLE]!.sam;
          void firstStep(target.port, floodAgent, addressOf(1, sent % ADDRESSES), name, false, figures, true).finally(() => {
            inFlight -= 1;
            figures.flows += 1;
          });
        }
        await sleep(5);
      }
    })();
    const steps = newSteps();
    let journeys = 0;
    const failures: string[] = [];
    await sleep(LEAD_IN_SECONDS * 1000);
    const personAgent = keepAlive(2);
    for (let person = 0; performance.now() < end - 5_000; person++) {
      const user = users[person % PEOPLE]!;
      try {
        user.password = await journey(target.port, personAgent, outbox, user, addressOf(201, person), steps);
        journeys += 1;
      } catch (error) {
        failures.push(`${user.sam}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    personAgent.destroy();
    await generator;
    while (inFlight > 0) await sleep(50);
    floodAgent.destroy();
    const floodRss = during.end();
    const seconds = (performance.now() - started) / 1000;

    // 3. What it left.
    await sleep(12_000);
    const after = await target.stats();
    const afterRss = rss.window().end().last;
    const kept = outbox.messages();
    const mails = mailsBefore ? kept.indexOf(mailsBefore) : kept.length;
    const codes = events(after, 'code-sent') - events(idle, 'code-sent');
    const texts = twilio.sent.length - textsBefore;

    console.log(
      `\nOne process, default delay; capacity ${whole(rate)} first steps/s; flood ${MULTIPLE}× = ${whole(offered)} first steps/s offered for ${fixed(seconds, 0)} s ` +
        `from ${ADDRESSES.toLocaleString('en')} addresses; people's journeys from the ${LEAD_IN_SECONDS}th second on.\n`,
    );
    printTable(
      ['first steps offered', 'sent', 'skipped (client full)', 'served (a flow)', 'shed (busy page)', 'refused (per address)', 'errors', 'served/s'],
      [
        [
          whole(sent + skipped),
          whole(sent),
          whole(skipped),
          whole(figures.post.length - figures.refused),
          whole(figures.shed),
          whole(figures.refused),
          whole(figures.errors),
          whole((figures.post.length - figures.refused) / seconds),
        ],
      ],
    );
    console.log('');
    printTable(
      ['journey step', 'n', 'p50 ms', 'p99 ms', 'max ms'],
      STEPS.map((step) => {
        const times = steps.get(step)!;
        return [step, String(times.length), whole(quantile(times, 0.5)), whole(quantile(times, 0.99)), whole(Math.max(...times))];
      }),
    );
    console.log(`\njourneys completed: ${journeys}, failed: ${failures.length}${failures.length ? ` (${failures.slice(0, 3).join(' | ')})` : ''}\n`);
    const rowsAdded = (table: string) => (after.rows[table] ?? 0) - (idle.rows[table] ?? 0);
    printTable(
      [
        'audit events added',
        'audit entries added',
        'session rows added',
        'counter rows added',
        'codes / e-mails / texts by the flood',
        'RSS idle → flood median / peak → after, MB',
        'heap idle → after, MB',
      ],
      [
        [
          whole(after.audit.reduce((sum, row) => sum + row.n, 0) - idle.audit.reduce((sum, row) => sum + row.n, 0)),
          whole(entries(after) - entries(idle)),
          whole(rowsAdded('sessions')),
          whole(rowsAdded('throttle_counters')),
          `${codes - journeys} / ${mails - 2 * journeys} / ${texts}`,
          `${fixed(idleRss)} → ${fixed(floodRss.median)} / ${fixed(floodRss.peak)} → ${fixed(afterRss)}`,
          `${fixed(idle.heapMb)} → ${fixed(after.heapMb)}`,
        ],
      ],
    );
    if (after.messages.length) console.log(`\nlogged (${after.warnings} warnings and errors): ${after.messages.join(' | ')}`);
  } finally {
    rss.stop();
    await target.stop();
    config.cleanup();
  }
} finally {
  await world.close();
}
