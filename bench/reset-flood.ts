/**
 * A flood of reset first steps: what rate does one Latchkey process hold, how long does the first
 * step take, and does the flood get anything sent? Each flow is GET /reset (the CSRF cookie and
 * token) then POST /reset with a name, from its own source address: the portal trusts 127.0.0.1
 * as its proxy and every flow carries X-Forwarded-For, so thousands of addresses take part.
 * The names are a few hundred real accounts of the dev domain (some enrolled, so their flows
 * are real; the others get "not enrolled" decoys) and as many unknown names, each typed many
 * times. The protection limits are the defaults (30 first steps per address in 15 minutes;
 * starts are never limited per name, so that strangers cannot stop an account's owner: only
 * wrong answers and codes count against an account, and the flood gives none).
 *
 * Phase A (the flood): addresses enough that none reaches its limit, names typed round-robin:
 * every first step is a flow, real for the enrolled names, a decoy for the others. Phase B: 4
 * addresses, each typing 45 new unknown names, so the per-address limit is what bites. The
 * proof, from the portal's own audit trail:
 * - flows started = every first step of phase A plus Σ over addresses of min(typed, perIp.max)
 *   in phase B, and the refusals per address are the rest of phase B (both exactly);
 * - no code was sent: no `code-sent` event, no e-mail in the SMTP outbox, no text at the Twilio
 *   fake (first steps never send anything; the flood never goes further). As a control, one
 *   enrolled user the flood never typed then walks a whole journey: the same counters show its
 *   code and its two e-mails (the code, the notice).
 *
 * With protection.responseDelayMs at its default (400–900 ms) the first step's latency is the
 * deliberate delay (and a rate held needs that many flows in flight); the flood is run again
 * with the delay off, which shows the work itself. The baseline is the same client against a
 * bare Fastify answering "hello" to GET /reset and POST /reset, at the same concurrency. The
 * server's CPU time per first step (user + system, from /proc) depends less on what else the
 * machine runs than the rates do.
 * Needs the dev domain (scripts/dev-ad up); the users it creates are removed at the end.
 *
 *   node --import tsx bench/reset-flood.ts [seconds of flood per run, default 12]
 *
 * When the process saturates, first steps from addresses seen before are shed (the busy page,
 * src/web/pressure.ts): they are counted apart, start nothing and are left out of the proof.
 *
 * Rates and latencies are of the flows started after a warm-up of 2 s (the clients start spread
 * over the first second, so 512 connections do not all knock at once on a 511-long accept queue);
 * the audit proof counts every flow.
 */
import { cpus } from 'node:os';
import type { Outbox } from '../src/notify/outbox.ts';
import type { TestUser } from '../src/testing/dev-domain.ts';
import { enroll } from '../src/testing/journeys.ts';
import { type FloodFigures, flood, journey, newSteps } from './lib/flows.ts';
import { addressOf, fixed, httpWebClient, keepAlive, latchkeyConfig, openBenchWorld, pool, printTable, quantile, startTarget, whole } from './lib/harness.ts';
import type { TargetStats } from './lib/target.ts';

const SECONDS = Number(process.argv[2] ?? 12);
/** Not measured: connections opened (clients start spread over the first second) and the JIT warm. */
const WARMUP_SECONDS = 2;
const KNOWN = 200;
const ENROLLED = 20;
const UNKNOWN = 200;
/** Phase A's addresses: 8,192, so each is used a few times at most. */
const ADDRESSES = 8192;
const PHASE_B = { addresses: 4, flowsEach: 45 };
/** The schema's defaults (src/config/schema.ts), which the portal runs with here. */
const LIMITS = { perIp: 30 };
const TRUSTED = ['127.0.0.1'];

interface Run {
  label: string;
  server: 'bare' | 'latchkey';
  concurrency: number;
  /** protection.responseDelayMs; undefined: the default. */
  delay?: { min: number; max: number };
}

const RUNS: Run[] = [
  { label: 'bare Fastify', server: 'bare', concurrency: 32 },
  { label: 'Latchkey, delay off', server: 'latchkey', concurrency: 32, delay: { min: 0, max: 0 } },
  { label: 'bare Fastify', server: 'bare', concurrency: 512 },
  { label: 'Latchkey, delay 400–900 ms (default)', server: 'latchkey', concurrency: 512 },
  { label: 'Latchkey, delay off', server: 'latchkey', concurrency: 512, delay: { min: 0, max: 0 } },
];

const count = (stats: TargetStats, action: string, match: (row: TargetStats['audit'][number]) => boolean = () => true) =>
  stats.audit.filter((row) => row.action === action && match(row)).reduce((sum, row) => sum + row.n, 0);

interface Result {
  run: Run;
  a: FloodFigures;
  proof?: {
    expectedA: number;
    expectedB: number;
    flowsB: number;
    /** Phase B's first steps answered with the per-address refusal page. */
    refusedB: number;
    stats: TargetStats;
    mails: number;
    texts: number;
    maxPerAddress: number;
    names: number;
    /** Real flows expected: every first step typed with an enrolled name. */
    enrolledFlows: number;
    /** The control afterwards: one whole journey of an enrolled user the flood never typed. */
    control: { codes: number; mails: number };
  };
}

/** E-mails the outbox received after `newest` (exact below its 200 kept; a lower bound above). */
function messagesSince(newest: ReturnType<Outbox['messages']>[number] | undefined): number {
  const kept = outbox.messages();
  const at = newest ? kept.indexOf(newest) : -1;
  return at === -1 ? kept.length : at;
}

const world = await openBenchWorld();
const { outbox, twilio } = world;
let users: TestUser[] = [];
const results: Result[] = [];
try {
  console.log(`${cpus().length} cores, Node ${process.version}; creating ${KNOWN} users in the dev domain`);
  // One more: the control, enrolled but never typed in the flood.
  users = await world.createUsers(KNOWN + 1);
  const controlUser = users[KNOWN]!;
  const unknown = Array.from({ length: UNKNOWN }, (_, i) => `nobody-${String(i).padStart(3, '0')}`);
  // Known and unknown interleaved, so both are typed as often.
  const names = users.slice(0, KNOWN).flatMap((user, i) => [user.sam, unknown[i]!]);
  const enrolled = new Set(users.slice(0, ENROLLED).map((user) => user.sam));

  for (const run of RUNS) {
    if (run.server === 'bare') {
      const target = await startTarget({ kind: 'bare', trustedProxies: TRUSTED });
      try {
        const a = await flood(
          target,
          run.concurrency,
          true,
          (flow) => ({ ip: addressOf(1, flow % ADDRESSES), name: names[flow % names.length]! }),
          SECONDS,
          WARMUP_SECONDS,
        );
        results.push({ run, a });
      } finally {
        await target.stop();
      }
    } else {
      const config = latchkeyConfig(
        { server: { trustedProxies: TRUSTED }, ...(run.delay ? { protection: { responseDelayMs: run.delay } } : {}) },
        { outbox, twilio },
      );
      const target = await startTarget({ kind: 'latchkey', base: config.base });
      try {
        // The enrolled accounts' flows are real ones (questions, then a code, had the flood gone on).
        const agent = keepAlive(8);
        const queue = [...users.slice(0, ENROLLED), controlUser].map((user, i) => ({ user, ip: addressOf(200, i) }));
        await pool(8, async () => {
          for (let job = queue.pop(); job; job = queue.pop()) await enroll(httpWebClient(target.port, agent, { ip: job.ip }), job.user);
        });
        agent.destroy();
        // The outbox keeps the newest 200 messages: what arrived later is what lies before this one.
        const newestBefore = outbox.messages()[0];
        const textsBefore = twilio.sent.length;

        const a = await flood(
          target,
          run.concurrency,
          false,
          (flow) => ({ ip: addressOf(1, flow % ADDRESSES), name: names[flow % names.length]! }),
          SECONDS,
          WARMUP_SECONDS,
        );
        const b = await flood(
          target,
          16,
          false,
          (flow) => (flow < PHASE_B.addresses * PHASE_B.flowsEach ? { ip: addressOf(2, flow % PHASE_B.addresses), name: `probe-${flow}` } : null),
          120,
          0,
        );
        const stats = await target.stats();
        const mails = messagesSince(newestBefore);
        const texts = twilio.sent.length - textsBefore;
        // The control: the same counters do see a code and e-mails when a journey goes that far.
        const newestAfter = outbox.messages()[0];
        const controlAgent = keepAlive(1);
        // Its password changes with it; the next run enrolls it with the new one.
        controlUser.password = await journey(target.port, controlAgent, outbox, controlUser, addressOf(201, 0), newSteps());
        controlAgent.destroy();
        const control = { codes: count(await target.stats(), 'code-sent') - count(stats, 'code-sent'), mails: messagesSince(newestAfter) };
        const expectedA = [...a.hits.values()].reduce((sum, hits) => sum + hits, 0);
        const expectedB = [...b.byAddress.values()].reduce((sum, hits) => sum + Math.min(hits, LIMITS.perIp), 0);
        results.push({
          run,
          a,
          proof: {
            expectedA,
            expectedB,
            flowsB: b.flows,
            refusedB: b.refused,
            stats,
            mails,
            texts,
            maxPerAddress: Math.max(...a.byAddress.values()),
            names: a.hits.size,
            control,
            enrolledFlows: [...a.hits].filter(([name]) => enrolled.has(name)).reduce((sum, [, hits]) => sum + hits, 0),
          },
        });
        if (b.errors) console.log(`  ! phase B: ${b.errors} errors`);
      } finally {
        await target.stop();
        config.cleanup();
      }
    }
    const { a } = results.at(-1)!;
    console.log(
      `  ${run.label}, ${run.concurrency} clients: ${whole(a.measured / a.seconds)} first steps/s, POST p99 ${fixed(quantile(a.post, 0.99))} ms, shed ${a.shed}, errors ${a.errors}`,
    );
  }
} finally {
  await world.close();
}

console.log(
  `\nFlood of ${WARMUP_SECONDS} + ${SECONDS} s per run (warm-up, then measured): ${KNOWN} accounts (${ENROLLED} enrolled) and ${UNKNOWN} unknown names, typed round-robin; ` +
    `each flow from its own address (${ADDRESSES.toLocaleString('en')}, reused in turn). A first step = GET /reset + POST /reset. ` +
    `Ratios are to the bare Fastify at the same concurrency.\n`,
);
const rows = results.map(({ run, a }) => {
  const bare = results.find((r) => r.run.server === 'bare' && r.run.concurrency === run.concurrency)!.a;
  const rate = a.measured / a.seconds;
  const bareRate = bare.measured / bare.seconds;
  const p99 = quantile(a.post, 0.99);
  return [
    run.label,
    String(run.concurrency),
    whole(a.measured),
    whole(rate),
    whole(2 * rate),
    fixed(quantile(a.get, 0.5)),
    fixed(quantile(a.get, 0.99)),
    fixed(quantile(a.post, 0.5)),
    fixed(p99),
    run.server === 'bare' ? '1×' : `${fixed(rate / bareRate, 3)}×`,
    run.server === 'bare' ? '1×' : `${whole(p99 / quantile(bare.post, 0.99))}×`,
    fixed(a.cpuMs / a.flows, 2),
    run.server === 'bare' ? '1×' : `${whole(a.cpuMs / a.flows / (bare.cpuMs / bare.flows))}×`,
    String(a.shed),
    String(a.errors),
  ];
});
printTable(
  [
    'server',
    'clients',
    'first steps measured',
    'first steps/s',
    'HTTP req/s',
    'GET p50 ms',
    'GET p99 ms',
    'POST p50 ms',
    'POST p99 ms',
    'rate ÷ bare',
    'POST p99 ÷ bare',
    'server CPU ms / first step',
    'CPU ÷ bare',
    'shed (busy page)',
    'errors',
  ],
  rows,
);

console.log(
  `\nWhat the limits allowed, from the portal's audit trail. A: the flood above (per address ${LIMITS.perIp} in 15 min, nothing per name); ` +
    `B: ${PHASE_B.addresses} addresses × ${PHASE_B.flowsEach} new names. "Started" = first steps that became a flow (real or decoy).\n`,
);
const proofRows = results
  .filter((r) => r.proof)
  .map(({ run, a, proof }) => {
    const { stats } = proof!;
    // A refused first step starts no flow: it is audited as rate-limited "per address" only.
    const started = count(stats, 'reset-requested');
    const limitedAddress = count(stats, 'rate-limited', (row) => row.detail?.startsWith('per address') ?? false);
    const expected = proof!.expectedA + proof!.expectedB;
    const expectedRefused = proof!.flowsB - proof!.expectedB;
    return [
      `${run.label}, ${run.concurrency} clients`,
      `${whole(a.flows)} + ${proof!.flowsB}`,
      `${proof!.names} names, ≤ ${proof!.maxPerAddress} per address`,
      `${whole(proof!.expectedA)} + ${proof!.expectedB} = ${whole(expected)}`,
      `${whole(started)}${started === expected ? ' ✓' : ' ✗'}`,
      `${limitedAddress}${limitedAddress === expectedRefused && proof!.refusedB === expectedRefused ? ' ✓' : ' ✗'} (expected ${expectedRefused}, pages ${proof!.refusedB})`,
      `${count(stats, 'reset-requested', (row) => row.outcome === 'success')} of ${proof!.enrolledFlows}${count(stats, 'reset-requested', (row) => row.outcome === 'success') === proof!.enrolledFlows ? ' ✓' : ' ✗'}`,
      `${count(stats, 'code-sent')} / ${proof!.mails} / ${proof!.texts}${count(stats, 'code-sent') + proof!.mails + proof!.texts === 0 ? ' ✓' : ' ✗'}`,
      `${proof!.control.codes} / ${proof!.control.mails}`,
      `${whole(stats.rows.sessions ?? 0)} / ${whole(stats.rows.throttle_counters ?? 0)}`,
      run.delay?.max === 0 ? `${whole(stats.warnings)} (each step: the delay is 0)` : whole(stats.warnings),
    ];
  });
printTable(
  [
    'run',
    'first steps A + B',
    'phase A spread',
    'allowed: all of A + Σ min(typed, 30) of B',
    'started (audit)',
    'refused per address (audit)',
    'real flows (every step typed with an enrolled name)',
    'codes sent / e-mails / texts',
    'control afterwards: codes / e-mails',
    'session rows / throttle rows left',
    'overrun warnings logged',
  ],
  proofRows,
);
for (const { run, proof } of results) {
  if (proof?.stats.messages.length && run.delay?.max !== 0)
    console.log(`\n${run.label}, ${run.concurrency} clients, logged: ${proof.stats.messages.join(' | ')}`);
}
