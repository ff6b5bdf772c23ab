/**
 * What a second worker process brings: the reset first-step rate of `latchkey serve` with
 * `server.workers: 1` and with 2, in the same run, taken in turns (1, 2, 1, 2 …) so that the
 * machine's other load falls on both alike. Each run is a fresh portal (its own SQLite file)
 * flooded by 64 kept-alive clients with first steps (GET /reset, then POST /reset with an
 * unknown name: a decoy flow), every flow from an address of its own (so no limit and no
 * shedding bites: this is the work itself), the uniform delay off (it is a timer, not work).
 * Two kinds of first step: with the directory search an unknown name costs (the dev domain's
 * Samba, on the same machine, answers it), and with the honeypot field filled, which the portal
 * answers with the same decoy flow without asking the directory: the portal's own work alone
 * (CSRF, session row, audit entry, counter). The ratio is of the rates of each pair; CPU is of
 * the whole process tree. The load generator and Samba share the machine's cores with the
 * workers, so on 2 cores two workers cannot have both to themselves.
 *
 *   node --import tsx bench/workers.ts [seconds per run, default 10] [pairs, default 3]
 */
import { availableParallelism } from 'node:os';
import { flood } from './lib/flows.ts';
import { addressOf, fixed, latchkeyConfig, printTable, quantile, whole } from './lib/harness.ts';
import { startServed } from './lib/served.ts';

const SECONDS = Number(process.argv[2] ?? 10);
const PAIRS = Number(process.argv[3] ?? 3);
const WARMUP_SECONDS = 2;
const CLIENTS = 64;

/** The first steps each run makes: with the directory search, or the portal's work alone. */
const KINDS = { directory: {}, 'portal only (honeypot)': { website: 'http://spam.example' } } as const;
type Kind = keyof typeof KINDS;

interface Run {
  kind: Kind;
  workers: number;
  rate: number;
  cpuMsPerStep: number;
  errors: number;
  p99: number;
}

async function run(kind: Kind, workers: number): Promise<Run> {
  const config = latchkeyConfig({ server: { trustedProxies: ['127.0.0.1'] }, protection: { responseDelayMs: { min: 0, max: 0 } } });
  const served = await startServed(config.base, workers);
  try {
    const cpuBefore = served.cpuMs();
    // A new address for every flow: 10.(20 + n / 65,536).x.y.
    const figures = await flood(
      served,
      CLIENTS,
      false,
      (flow) => ({ ip: addressOf(20 + (flow >> 16), flow & 0xffff), name: `nobody-${flow % 997}`, fields: KINDS[kind] }),
      SECONDS,
      WARMUP_SECONDS,
    );
    const cpu = served.cpuMs() - cpuBefore;
    return {
      kind,
      workers,
      rate: figures.measured / figures.seconds,
      cpuMsPerStep: cpu / figures.flows,
      errors: figures.errors,
      p99: quantile(figures.post, 0.99),
    };
  } finally {
    await served.stop();
    config.cleanup();
  }
}

console.log(`${availableParallelism()} cores, Node ${process.version}; ${PAIRS} pairs of ${WARMUP_SECONDS} + ${SECONDS} s runs, ${CLIENTS} clients`);
const pairs: [Run, Run][] = [];
for (let pair = 0; pair < PAIRS; pair++) {
  for (const kind of Object.keys(KINDS) as Kind[]) {
    const one = await run(kind, 1);
    const two = await run(kind, 2);
    pairs.push([one, two]);
    console.log(`  ${kind}, pair ${pair + 1}: 1 worker ${whole(one.rate)}/s, 2 workers ${whole(two.rate)}/s (${fixed(two.rate / one.rate, 2)}×)`);
  }
}

printTable(
  ['first step', '1 worker: first steps/s', 'POST p99 ms', 'CPU ms / step', '2 workers: first steps/s', 'POST p99 ms', 'CPU ms / step', '2 ÷ 1', 'errors'],
  pairs.map(([one, two]) => [
    one.kind,
    whole(one.rate),
    whole(one.p99),
    fixed(one.cpuMsPerStep, 2),
    whole(two.rate),
    whole(two.p99),
    fixed(two.cpuMsPerStep, 2),
    `${fixed(two.rate / one.rate, 2)}×`,
    `${one.errors} / ${two.errors}`,
  ]),
);
for (const kind of Object.keys(KINDS) as Kind[]) {
  const ratios = pairs.filter(([one]) => one.kind === kind).map(([one, two]) => two.rate / one.rate);
  console.log(`${kind}: median 2 ÷ 1 ${fixed(quantile(ratios, 0.5), 2)}× (range ${fixed(Math.min(...ratios), 2)}–${fixed(Math.max(...ratios), 2)}×)`);
}
