/**
 * What does a public page cost one Latchkey process, next to the cheapest server that could send
 * it? Each public page (the menu and every form a person meets signed out: reset, unlock, change,
 * enroll, the account sign-in) is fetched by GET from a Latchkey listening on 127.0.0.1 (plain
 * HTTP, behindTlsProxy, NODE_ENV=production, logger at warn), and, as its baseline, a static page
 * of the same size in bytes from a bare Fastify 5 server started the same way (a child process
 * from dist/, same listen options, logger off: bench/lib/target.ts, plain JavaScript).
 *
 * The load comes from this process: a node:http client, one kept-alive connection per concurrent
 * client (8 by default), 1 s of warm-up then the measured seconds on the same connections. For
 * every page, in rounds, the bare server's page is measured just before and just after
 * Latchkey's, so that drift in the machine's load hits both alike; the baseline is the mean of the
 * two. Figures: req/s, p50 and p99, and the server process's CPU time (user + system, from /proc)
 * per request. On 2 cores the client and the server share the machine, and the client, not the
 * bare server, is the limit of the bare runs: CPU per request is each server's own cost and the
 * fairer ratio; req/s is the rate one process holds while the client shares its cores.
 *
 * Every request carries X-Forwarded-For with a new address (the portal trusts 127.0.0.1 as its
 * proxy): from one address Latchkey's flood guard (300 requests a minute per address) would
 * answer 429 after the first 300 and the bench would measure the error page. Needs the dev
 * domain's facts (scripts/dev-ad up), not the DC itself.
 *
 *   node --import tsx bench/http-throughput.ts [seconds per measurement, default 3] [rounds, default 2] [connections, default 8]
 */
import { cpus } from 'node:os';
import { addressOf, cpuMs, fixed, keepAlive, latchkeyConfig, median, printTable, quantile, send, startTarget, type Target, whole } from './lib/harness.ts';

const SECONDS = Number(process.argv[2] ?? 3);
const ROUNDS = Number(process.argv[3] ?? 2);
const CONNECTIONS = Number(process.argv[4] ?? 8);
const WARMUP_SECONDS = 1;
const TRUSTED = ['127.0.0.1'];

/** The public pages, each with what shows it is the real page (not a 429 or an error page). */
const PAGES = [
  { path: '/', expect: /href="\/reset"/ },
  { path: '/reset', expect: /name="_csrf" value="[^"]+"/ },
  { path: '/unlock', expect: /name="_csrf" value="[^"]+"/ },
  { path: '/change', expect: /name="_csrf" value="[^"]+"/ },
  { path: '/enroll', expect: /name="_csrf" value="[^"]+"/ },
  { path: '/me', expect: /name="_csrf" value="[^"]+"/ },
];

interface Figure {
  rps: number;
  p50: number;
  p99: number;
  /** Connection errors and answers other than 2xx/3xx. */
  errors: number;
  /** CPU time of the server process (user + system) per request, µs. */
  cpuUs: number;
}

let block = 0;

/** `connections` keep-alive clients: `warmup` s, then `seconds` measured on the same connections. */
async function load(target: Target, path: string, connections: number, warmup: number, seconds: number): Promise<Figure> {
  block = (block % 250) + 1;
  const agent = keepAlive(connections);
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const started = performance.now();
  const measureFrom = started + warmup * 1000;
  const end = measureFrom + seconds * 1000;
  let cpuBefore = Number.NaN;
  const snapshot = setTimeout(() => (cpuBefore = cpuMs(target.pid)), warmup * 1000);
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const sentAt = performance.now();
        const reply = await send(target.port, agent, 'GET', path, { 'x-forwarded-for': addressOf(block, n++ % 65536) }).catch(() => null);
        if (sentAt < measureFrom) continue;
        if (!reply || reply.status >= 400) errors += 1;
        if (reply) latencies.push(reply.ms);
      }
    }),
  );
  clearTimeout(snapshot);
  const cpu = cpuMs(target.pid) - cpuBefore;
  const elapsed = (performance.now() - measureFrom) / 1000;
  agent.destroy();
  return { rps: latencies.length / elapsed, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), errors, cpuUs: (cpu * 1000) / latencies.length };
}

/** The page's body, checked to be the real one; its size is the bare page's. */
async function fetchPage(target: Target, path: string, expect: RegExp): Promise<number> {
  const agent = keepAlive(1);
  const reply = await send(target.port, agent, 'GET', path, { 'x-forwarded-for': '192.0.2.1' });
  agent.destroy();
  if (reply.status !== 200 || !expect.test(reply.body)) throw new Error(`GET ${path}: ${reply.status} ${reply.body.slice(0, 200)}`);
  return Buffer.byteLength(reply.body);
}

console.log(
  `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; node:http client, ${CONNECTIONS} connections; ` +
    `${SECONDS} s per measurement after ${WARMUP_SECONDS} s warm-up; ${ROUNDS} rounds`,
);
const config = latchkeyConfig({ server: { trustedProxies: TRUSTED } });
const bare = await startTarget({ kind: 'bare', trustedProxies: TRUSTED }, { compiled: true });
const latchkey = await startTarget({ kind: 'latchkey', base: config.base }, { compiled: true });
const rows: string[][] = [];
const summary: string[][] = [];
try {
  const sizes = new Map<string, number>();
  for (const { path, expect } of PAGES) sizes.set(path, await fetchPage(latchkey, path, expect));
  const cpuRatios = new Map<string, number[]>(PAGES.map(({ path }) => [path, []]));
  const rpsRatios = new Map<string, number[]>(PAGES.map(({ path }) => [path, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const { path } of PAGES) {
      const staticPath = `/static/${sizes.get(path)}`;
      const before = await load(bare, staticPath, CONNECTIONS, WARMUP_SECONDS, SECONDS);
      const page = await load(latchkey, path, CONNECTIONS, WARMUP_SECONDS, SECONDS);
      const after = await load(bare, staticPath, CONNECTIONS, WARMUP_SECONDS, SECONDS);
      const baseline = { rps: (before.rps + after.rps) / 2, cpuUs: (before.cpuUs + after.cpuUs) / 2 };
      cpuRatios.get(path)!.push(page.cpuUs / baseline.cpuUs);
      rpsRatios.get(path)!.push(page.rps / baseline.rps);
      rows.push([
        String(round),
        `GET ${path}`,
        whole(sizes.get(path)!),
        `${whole(page.rps)} (${fixed(page.rps / baseline.rps, 2)}×)`,
        `${fixed(page.p50, 2)} / ${fixed(page.p99, 2)}`,
        `${whole(page.cpuUs)} (${fixed(page.cpuUs / baseline.cpuUs, 1)}×)`,
        `${whole(before.rps)}, ${whole(after.rps)}`,
        `${whole(before.cpuUs)}, ${whole(after.cpuUs)}`,
        String(page.errors + before.errors + after.errors),
      ]);
      console.log(`  ${rows.at(-1)!.join(' | ')}`);
    }
  }
  for (const { path } of PAGES) {
    summary.push([`GET ${path}`, `${fixed(median(cpuRatios.get(path)!), 1)}×`, `${fixed(median(rpsRatios.get(path)!), 2)}×`]);
  }
} finally {
  await latchkey.stop();
  await bare.stop();
  config.cleanup();
}
console.log(`\nLatchkey's pages against a static page of the same size from bare Fastify, measured just before and after (the mean is the baseline).\n`);
printTable(
  [
    'round',
    'page',
    'bytes',
    'Latchkey req/s (÷ bare)',
    'p50 / p99 ms',
    'Latchkey CPU µs / request (÷ bare)',
    'bare req/s before, after',
    'bare CPU µs before, after',
    'errors',
  ],
  rows,
);
console.log('\nMedians over the rounds:\n');
printTable(['page', 'CPU ÷ bare static page', 'req/s ÷ bare static page'], summary);
