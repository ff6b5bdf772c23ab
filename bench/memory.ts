/**
 * How much memory does one Latchkey process hold, idle and under load? The resident set (RSS,
 * VmRSS from /proc) of the server process is sampled every 100 ms from outside (this process),
 * for a Latchkey (defaults: NODE_ENV=production, protection limits and the 400–900 ms delay,
 * logger at warn) and for a bare Fastify 5 "hello" server started the same way (a child
 * process from dist/, 127.0.0.1, logger off):
 *
 * - idle: the 5 s after the server says it listens;
 * - flood: 512 clients doing reset first steps (GET /reset, POST /reset) from thousands of
 *   addresses for 10 s, as bench/reset-flood.ts does (the bare server answers "hello" to both),
 *   typing 32 real accounts and 200 unknown names;
 * - after: 3 s after the flood;
 * - Latchkey only: enrolling 32 users through the pages, then 32 whole reset journeys
 *   (bench/journeys-vs-ldap.ts's journey), 16 at a time, then 3 s after.
 *
 * Ratios are to the bare server's figure of the same kind (idle to idle, load to its flood peak,
 * after to after its flood). Then, after a full garbage collection (the server exposes gc), the
 * V8 heap each server still holds: the RSS stays near its peak because V8 and malloc keep pages.
 * Both run as plain JavaScript, Latchkey from dist/ (built first), as `latchkey serve` runs: no
 * TypeScript loader in the process (tsx would add its loader thread and tens of MB). Needs the dev domain (scripts/dev-ad up); the users are
 * removed at the end.
 *
 *   node --import tsx bench/memory.ts
 */
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestUser } from '../src/testing/dev-domain.ts';
import { enroll } from '../src/testing/journeys.ts';
import { flood, journey, newSteps } from './lib/flows.ts';
import {
  addressOf,
  fixed,
  httpWebClient,
  keepAlive,
  latchkeyConfig,
  openBenchWorld,
  pool,
  printTable,
  type RssWindow,
  rssSampler,
  startTarget,
  whole,
} from './lib/harness.ts';

const IDLE_SECONDS = 5;
const FLOOD_SECONDS = 10;
const SETTLE_SECONDS = 3;
const CLIENTS = 512;
/** Users enrolled and walked through a journey; as many again are only typed in the flood. */
const USERS = 32;
const JOURNEY_CONCURRENCY = 16;
const UNKNOWN = 200;
const TRUSTED = ['127.0.0.1'];

const world = await openBenchWorld();
const { outbox, twilio } = world;
let users: TestUser[] = [];
/** Typed in the flood: not the journeys' users, whose flows would mix with the flood's. */
let flooded: TestUser[] = [];
const figures = new Map<string, Map<string, RssWindow>>();
/** Heap kept after a full collection at the end (the RSS stays higher: V8 and malloc keep their pages). */
const kept = new Map<string, { heapMb: number; externalMb: number }>();
const keptIdle = new Map<string, { heapMb: number; externalMb: number }>();
const notes: string[] = [];

async function measure(kind: 'bare' | 'latchkey'): Promise<void> {
  const phases = new Map<string, RssWindow>();
  figures.set(kind, phases);
  const config = kind === 'latchkey' ? latchkeyConfig({ server: { trustedProxies: TRUSTED } }, { outbox, twilio }) : null;
  const target = await startTarget(config ? { kind, base: config.base } : { kind, trustedProxies: TRUSTED }, { compiled: true });
  const sampler = rssSampler(target.pid, 100);
  const phase = async (name: string, work: () => Promise<unknown>) => {
    const window = sampler.window();
    await work();
    phases.set(name, window.end());
    console.log(`  ${kind}, ${name}: median ${fixed(phases.get(name)!.median)} MB, peak ${fixed(phases.get(name)!.peak)} MB`);
  };
  try {
    const names = [...flooded.map((user) => user.sam), ...Array.from({ length: UNKNOWN }, (_, i) => `nobody-${i}`)];
    await phase('idle', () => sleep(IDLE_SECONDS * 1000));
    keptIdle.set(kind, await target.stats());
    await phase('flood', async () => {
      const result = await flood(
        target,
        CLIENTS,
        kind === 'bare',
        (flow) => ({ ip: addressOf(1, flow % 8192), name: names[flow % names.length]! }),
        FLOOD_SECONDS,
        0,
      );
      notes.push(`${kind} flood: ${whole(result.flows)} first steps (${whole(result.flows / result.seconds)}/s), ${result.errors} errors`);
    });
    await phase('after flood', () => sleep(SETTLE_SECONDS * 1000));
    if (kind === 'latchkey') {
      await phase('enrolling', async () => {
        const agent = keepAlive(8);
        const queue = users.map((user, i) => ({ user, ip: addressOf(2, i) }));
        await pool(8, async () => {
          for (let job = queue.pop(); job; job = queue.pop()) await enroll(httpWebClient(target.port, agent, { ip: job.ip }), job.user);
        });
        agent.destroy();
      });
      await phase('journeys', async () => {
        const agent = keepAlive(JOURNEY_CONCURRENCY);
        const steps = newSteps();
        let next = 0;
        const started = performance.now();
        await pool(JOURNEY_CONCURRENCY, async () => {
          for (let i = next++; i < users.length; i = next++) await journey(target.port, agent, outbox, users[i]!, addressOf(3, i), steps);
        });
        notes.push(`latchkey journeys: ${users.length} in ${fixed((performance.now() - started) / 1000)} s`);
        agent.destroy();
      });
      await phase('after journeys', () => sleep(SETTLE_SECONDS * 1000));
    }
    kept.set(kind, await target.stats());
  } finally {
    sampler.stop();
    await target.stop();
    config?.cleanup();
  }
}

try {
  console.log(`${cpus().length} cores, Node ${process.version}; creating ${2 * USERS} users in the dev domain`);
  users = await world.createUsers(USERS);
  flooded = await world.createUsers(USERS);
  await measure('bare');
  await measure('latchkey');
} finally {
  await world.close();
}

const bare = figures.get('bare')!;
const latchkey = figures.get('latchkey')!;
const bareIdle = bare.get('idle')!.median;
const bareLoad = bare.get('flood')!.peak;
const bareAfter = bare.get('after flood')!.last;
console.log(`\nRSS of the server process, sampled every 100 ms. ${notes.join('; ')}.\n`);
const row = (label: string, name: string, pick: 'median' | 'peak' | 'last', baseline: number, baselineName: string) => {
  const l = latchkey.get(name)![pick];
  const b = bare.get(name)?.[pick];
  return [label, b === undefined ? '–' : `${fixed(b)} MB`, `${fixed(l)} MB`, `${fixed(l / baseline, 2)}× ${baselineName}`];
};
printTable(
  ['phase', 'bare Fastify', 'Latchkey', 'Latchkey ÷ bare'],
  [
    row(`idle, median of the ${IDLE_SECONDS} s after start`, 'idle', 'median', bareIdle, 'idle'),
    row(`first-step flood, ${CLIENTS} clients, ${FLOOD_SECONDS} s: peak`, 'flood', 'peak', bareLoad, 'flood peak'),
    row(`${SETTLE_SECONDS} s after the flood`, 'after flood', 'last', bareAfter, 'after flood'),
    row(`enrolling ${USERS} users: peak`, 'enrolling', 'peak', bareLoad, 'flood peak'),
    row(`${USERS} reset journeys, ${JOURNEY_CONCURRENCY} at a time: peak`, 'journeys', 'peak', bareLoad, 'flood peak'),
    row(`${SETTLE_SECONDS} s after the journeys`, 'after journeys', 'last', bareAfter, 'after flood'),
  ],
);
const heapOf = (map: typeof kept, kind: string) =>
  `heap ${fixed(map.get(kind)?.heapMb ?? Number.NaN)} MB + ${fixed(map.get(kind)?.externalMb ?? Number.NaN)} MB outside it`;
console.log(
  `\nHeld after a full garbage collection, idle: bare ${heapOf(keptIdle, 'bare')}; Latchkey ${heapOf(keptIdle, 'latchkey')}. ` +
    `At the end: bare ${heapOf(kept, 'bare')}; Latchkey ${heapOf(kept, 'latchkey')}. ` +
    `Latchkey's heap grew by ${fixed((kept.get('latchkey')?.heapMb ?? Number.NaN) - (keptIdle.get('latchkey')?.heapMb ?? Number.NaN))} MB over the benches.`,
);
