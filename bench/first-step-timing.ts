/**
 * What does the first step of reset cost, and does its timing give away whether a name is a real
 * enrolled account? Needs the dev domain (scripts/dev-ad up).
 *
 * Cost: a Latchkey (uniform delay off, generous limits: the bench measures the step, not the
 * limiter) and a bare Fastify 5 "hello" server, each in a child process (bench/lib/target.ts),
 * take turns: a few rounds of 8 clients doing first steps (GET /reset for the CSRF cookie and
 * token, then POST /reset with a name) for a few seconds, bare then Latchkey, so that drift in
 * the machine's load hits both alike. For each round: the server process's CPU time (user +
 * system, /proc) per first step and its ratio to the bare server's per GET + POST of the round
 * before and after it; and the SQL statements Latchkey ran per first step (counted in the server
 * process). Names typed: an enrolled account, and unknown names, each in its own rounds.
 *
 * Timing: POST /reset for the enrolled user and for unknown names, interleaved, with the
 * uniform delay off (what the work itself costs) and then on; the ratio of the medians
 * (1.00 = indistinguishable).
 *
 *   node --import tsx bench/first-step-timing.ts [samples, default 40] [rounds, default 3]
 */
import { adminClient, createUser, removeEntries } from '../src/testing/dev-domain.ts';
import { enroll } from '../src/testing/journeys.ts';
import { startTestPortal, type TestPortal } from '../src/testing/portal.ts';
import { webClient } from '../src/testing/web-client.ts';
import { flood } from './lib/flows.ts';
import { addressOf, fixed, httpWebClient, keepAlive, latchkeyConfig, median, printTable, startTarget, type Target } from './lib/harness.ts';

const samples = Number(process.argv[2] ?? 40);
const rounds = Number(process.argv[3] ?? 3);
const COST_SECONDS = 4;
const CLIENTS = 8;
const TRUSTED = ['127.0.0.1'];
const GENEROUS = { perIp: { max: 100_000 }, perUser: { max: 100_000 } };
const admin = await adminClient();
const user = await createUser(admin);

// Cost -----------------------------------------------------------------------------------------

let block = 0;
/** CPU ms per first step of one round of flows typing `name(flow)`, and the statements per first step. */
async function costRound(target: Target, bare: boolean, name: (flow: number) => string) {
  block = (block % 250) + 1;
  const before = await target.stats();
  const figures = await flood(target, CLIENTS, bare, (flow) => ({ ip: addressOf(block, flow % 65536), name: name(flow) }), COST_SECONDS, 1);
  const after = await target.stats();
  if (figures.errors) throw new Error(`${figures.errors} first steps failed`);
  return { cpuMs: figures.cpuMs / figures.flows, statements: (after.statements - before.statements) / figures.flows, rate: figures.measured / figures.seconds };
}

async function cost() {
  const config = latchkeyConfig({ server: { trustedProxies: TRUSTED }, protection: { responseDelayMs: { min: 0, max: 0 }, ...GENEROUS } });
  const bare = await startTarget({ kind: 'bare', trustedProxies: TRUSTED }, { compiled: true });
  const latchkey = await startTarget({ kind: 'latchkey', base: config.base }, { compiled: true });
  const rows: string[][] = [];
  const ratios: Record<string, number[]> = { enrolled: [], unknown: [] };
  try {
    await enroll(httpWebClient(latchkey.port, keepAlive(1), { ip: '192.0.2.1' }), user);
    let bareBefore = await costRound(bare, true, () => 'x');
    for (let round = 1; round <= rounds; round++) {
      for (const [kind, name] of [
        ['enrolled', () => user.sam],
        ['unknown', (flow: number) => `nobody-${round}-${flow}`],
      ] as const) {
        const figure = await costRound(latchkey, false, name);
        const bareAfter = await costRound(bare, true, () => 'x');
        const baseline = (bareBefore.cpuMs + bareAfter.cpuMs) / 2;
        ratios[kind]!.push(figure.cpuMs / baseline);
        rows.push([
          String(round),
          kind,
          fixed(figure.rate, 0),
          fixed(figure.cpuMs * 1000, 0),
          fixed(baseline * 1000, 0),
          `${fixed(figure.cpuMs / baseline, 1)}×`,
          fixed(figure.statements, 2),
        ]);
        bareBefore = bareAfter;
      }
    }
  } finally {
    await latchkey.stop();
    await bare.stop();
    config.cleanup();
  }
  console.log(`\nCost of a first step (GET /reset + POST /reset), ${CLIENTS} clients, ${COST_SECONDS} s a round, uniform delay off.\n`);
  printTable(['round', 'name', 'first steps/s', 'Latchkey CPU µs / first step', 'bare CPU µs / GET + POST', 'CPU ÷ bare', 'SQL statements / first step'], rows);
  console.log(`\nMedian CPU ÷ bare: enrolled ${fixed(median(ratios.enrolled!), 1)}×, unknown ${fixed(median(ratios.unknown!), 1)}×`);
}

// Timing ---------------------------------------------------------------------------------------

async function measure(portal: TestPortal, name: string, ip: string): Promise<number> {
  const client = webClient(portal.app.server, { ip });
  await client.get('/reset');
  const started = performance.now();
  const page = await client.post('/reset', { username: name, domain: '' });
  if (page.status !== 303) throw new Error(`unexpected ${page.status}`);
  return performance.now() - started;
}

const p90 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)]!;

async function run(label: string, delay: { min: number; max: number }) {
  const portal = await startTestPortal({ protection: { responseDelayMs: delay, ...GENEROUS } });
  try {
    await enroll(webClient(portal.app.server), user);
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < samples; i++) {
      // Interleaved, so drift in the machine's load hits both alike.
      known.push(await measure(portal, user.sam, `10.0.${i % 250}.1`));
      unknown.push(await measure(portal, `nobody-${i}`, `10.1.${i % 250}.1`));
    }
    const ratio = median(known) / median(unknown);
    console.log(
      `${label.padEnd(28)} enrolled: median ${median(known).toFixed(1)} ms, p90 ${p90(known).toFixed(1)} ms | ` +
        `unknown: median ${median(unknown).toFixed(1)} ms, p90 ${p90(unknown).toFixed(1)} ms | ratio ${ratio.toFixed(2)}`,
    );
  } finally {
    await portal.close();
  }
}

try {
  if (rounds > 0) await cost();
  if (samples > 0) {
    console.log('\nTiming of POST /reset, in process (the test portal), enrolled vs unknown names:\n');
    await run('uniform delay off', { min: 0, max: 0 });
    await run('uniform delay 150-250 ms', { min: 150, max: 250 });
  }
} finally {
  await removeEntries(admin, [user.dn]);
  await admin.unbind();
}
