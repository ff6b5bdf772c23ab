/**
 * How many public pages a second does one Latchkey process serve, and how fast? GET / (the
 * menu) and GET /reset (a form with a fresh CSRF secret cookie and token) of a Latchkey
 * listening on 127.0.0.1 (plain HTTP, behindTlsProxy), against a bare Fastify 5 "hello" route
 * started the same way (same Node, a child process under tsx, same listen options, logger off).
 * The server runs in a child process; the load comes from this process, at a few concurrency
 * levels (one kept-alive connection per concurrent client).
 *
 * The main table is from a node:http client: 1 s of warm-up then the measured seconds on the
 * same connections; req/s, p50 and p99, the server process's CPU time (user + system, from
 * /proc) per request, and the ratios to the bare server at the same concurrency (measured before
 * and after the Latchkey runs; the mean is the baseline, the two show the machine's drift). On
 * 2 cores the client and the server share the machine and the Node client, not the bare server,
 * is the limit of the bare runs: CPU per request is the server's own cost and the fairer ratio.
 * When Debian's wrk is installed (`apt-get install -y wrk`), a second table gives the req/s wrk
 * drives at 64 connections (1 thread), which the bare server follows much further. wrk's own
 * p99 at 64 connections is left out: it jumps between ~30 ms and ~800 ms from run to run on this
 * machine, while the server's own timing of every request (request event to finish, and from one
 * answer to the next request on the same connection) never exceeds ~80 ms and the Node client
 * agrees with it.
 *
 * Every request carries X-Forwarded-For with a new address (the portal trusts 127.0.0.1 as its
 * proxy): from one address Latchkey's flood guard (300 requests a minute per address) would
 * answer 429 after the first 300 and the bench would measure the error page.
 *
 * Latchkey runs with NODE_ENV=production (as docs/latchkey.service sets it) and its logger at
 * `warn` (no request lines: comparable to the bare server); then at the default `info`, written
 * synchronously to /dev/null (the cost of the request log lines alone); then with NODE_ENV
 * unset, as `node dist/cli/main.js serve` runs when nobody sets it: @fastify/view then turns
 * Eta's template cache off and every page reads and compiles its templates again. Needs the
 * dev domain's facts (scripts/dev-ad up), not the DC itself.
 *
 *   node --import tsx bench/http-throughput.ts [seconds per level, default 5]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressOf, cpuMs, fixed, keepAlive, latchkeyConfig, printTable, quantile, send, startTarget, type Target, whole } from './lib/harness.ts';
import type { TargetSpec } from './lib/target.ts';

const SECONDS = Number(process.argv[2] ?? 5);
const WARMUP_SECONDS = 1;
const LEVELS = [1, 16, 64];
const WRK_CONNECTIONS = 64;
const TRUSTED = ['127.0.0.1'];

const useWrk = spawnSync('wrk', ['--version']).error === undefined;
const scratch = mkdtempSync(join(tmpdir(), 'latchkey-bench-http-'));

/** wrk's script: a new X-Forwarded-For per request, and the figures as one JSON line. */
const WRK_SCRIPT = `
local block = 1
local n = 0
init = function(args) block = tonumber(args[1]) or 1 end
request = function()
  n = n + 1
  local i = n % 65536
  return wrk.format(nil, nil, { ["X-Forwarded-For"] = "10." .. block .. "." .. math.floor(i / 256) .. "." .. (i % 256) })
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"us":%d,"errors":%d,"status":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
`;
const scriptFile = join(scratch, 'xff.lua');
writeFileSync(scriptFile, WRK_SCRIPT);

interface Figure {
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  /** Connection errors and answers other than 2xx/3xx. */
  errors: number;
  /** CPU time of the server process (user + system) per request, µs. */
  cpuUs: number;
}

let block = 0;

function runWrk(port: number, path: string, connections: number, seconds: number): Promise<Figure> {
  block = (block % 250) + 1;
  return new Promise((resolve, reject) => {
    const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', scriptFile, `http://127.0.0.1:${port}${path}`, '--', String(block)];
    const wrk = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    wrk.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    wrk.on('error', reject);
    wrk.on('exit', () => {
      const json = /WRKJSON (\{.*\})/.exec(out)?.[1];
      if (!json) return reject(new Error(`wrk printed no figures:\n${out}`));
      const r = JSON.parse(json) as { requests: number; us: number; errors: number; status: number; p50: number; p99: number };
      resolve({ rps: r.requests / (r.us / 1e6), requests: r.requests, p50: r.p50 / 1000, p99: r.p99 / 1000, errors: r.errors + r.status, cpuUs: 0 });
    });
  });
}

/** node:http keep-alive clients: `warmup` s, then `seconds` measured on the same connections. */
async function runNode(target: Target, path: string, connections: number, warmup: number, seconds: number): Promise<Figure> {
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
  return {
    rps: latencies.length / elapsed,
    requests: latencies.length,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    errors,
    cpuUs: (cpu * 1000) / latencies.length,
  };
}

/** Checks the page is the real one (not a 429 or an error page) before loading it. */
async function check(target: Target, path: string, expect: RegExp) {
  const agent = keepAlive(1);
  const reply = await send(target.port, agent, 'GET', path, { 'x-forwarded-for': '192.0.2.1' });
  agent.destroy();
  if (reply.status !== 200 || !expect.test(reply.body)) throw new Error(`GET ${path}: ${reply.status} ${reply.body.slice(0, 200)}`);
}

/** Node-client figures by "path connections", and wrk's at 64 connections by path. */
async function measure(label: string, spec: TargetSpec, paths: { path: string; expect: RegExp }[]) {
  const figures = new Map<string, Figure>();
  const wrk = new Map<string, Figure>();
  const target = await startTarget(spec);
  try {
    for (const { path, expect } of paths) {
      await check(target, path, expect);
      for (const connections of LEVELS) {
        const figure = await runNode(target, path, connections, WARMUP_SECONDS, SECONDS);
        figures.set(`${path} ${connections}`, figure);
        console.log(
          `  ${label}, GET ${path}, ${connections} conn: ${whole(figure.rps)} req/s, p50 ${fixed(figure.p50, 2)} ms, p99 ${fixed(figure.p99, 2)} ms, CPU ${whole(figure.cpuUs)} µs/request, errors ${figure.errors}`,
        );
      }
      if (useWrk) {
        await runWrk(target.port, path, WRK_CONNECTIONS, WARMUP_SECONDS);
        const cpuBefore = cpuMs(target.pid);
        const figure = await runWrk(target.port, path, WRK_CONNECTIONS, SECONDS);
        figure.cpuUs = ((cpuMs(target.pid) - cpuBefore) * 1000) / figure.requests;
        wrk.set(path, figure);
        console.log(
          `  ${label}, GET ${path}, wrk ${WRK_CONNECTIONS} conn: ${whole(figure.rps)} req/s, p50 ${fixed(figure.p50, 2)} ms, CPU ${whole(figure.cpuUs)} µs/request, errors ${figure.errors}`,
        );
      }
    }
  } finally {
    await target.stop();
  }
  return { figures, wrk };
}

const bareSpec: TargetSpec = { kind: 'bare', trustedProxies: TRUSTED };
const HELLO = [{ path: '/', expect: /^hello$/ }];
const PAGES = [
  { path: '/', expect: /href="\/reset"/ },
  { path: '/reset', expect: /name="_csrf" value="[^"]+"/ },
];

console.log(
  `${cpus().length} cores, Node ${process.version}; load from node:http in the bench process${useWrk ? ', and wrk (1 thread)' : ' (wrk is not installed)'}; ${SECONDS} s per level after ${WARMUP_SECONDS} s warm-up`,
);
const configs: { cleanup(): void }[] = [];
try {
  const bareBefore = await measure('bare Fastify', bareSpec, HELLO);
  const latchkeyRuns: { label: string; figures: Map<string, Figure>; wrk: Map<string, Figure>; paths: string[] }[] = [];
  const variants: { label: string; log: 'warn' | 'info'; nodeEnv?: null }[] = [
    { label: 'Latchkey', log: 'warn' },
    { label: 'Latchkey, log.level info', log: 'info' },
    { label: 'Latchkey, NODE_ENV unset', log: 'warn', nodeEnv: null },
  ];
  for (const { label, log, nodeEnv } of variants) {
    const config = latchkeyConfig({ server: { trustedProxies: TRUSTED } });
    configs.push(config);
    const spec: TargetSpec = { kind: 'latchkey', base: config.base, log, ...(nodeEnv === null ? { nodeEnv } : {}) };
    latchkeyRuns.push({ label, ...(await measure(label, spec, PAGES)), paths: PAGES.map((p) => p.path) });
  }
  const bareAfter = await measure('bare Fastify', bareSpec, HELLO);

  const mean = (a: Figure, b: Figure) => ({ rps: (a.rps + b.rps) / 2, p99: (a.p99 + b.p99) / 2, cpuUs: (a.cpuUs + b.cpuUs) / 2 });
  const rows: string[][] = [];
  for (const connections of LEVELS) {
    const before = bareBefore.figures.get(`/ ${connections}`)!;
    const after = bareAfter.figures.get(`/ ${connections}`)!;
    const bare = mean(before, after);
    const row = (label: string, f: Figure, ratio: boolean) => [
      label,
      String(connections),
      whole(f.rps),
      fixed(f.p50, 2),
      fixed(f.p99, 2),
      ratio ? `${fixed(f.rps / bare.rps, 2)}×` : '1×',
      ratio ? `${fixed(f.p99 / bare.p99, 1)}×` : '1×',
      whole(f.cpuUs),
      ratio ? `${fixed(f.cpuUs / bare.cpuUs, 1)}×` : '1×',
      String(f.errors),
    ];
    rows.push(row('bare Fastify, GET / (before)', before, false));
    rows.push(row('bare Fastify, GET / (after)', after, false));
    for (const run of latchkeyRuns) for (const path of run.paths) rows.push(row(`${run.label}, GET ${path}`, run.figures.get(`${path} ${connections}`)!, true));
  }
  console.log(`\nnode:http client. Ratios are to the mean of the two bare runs at the same concurrency.\n`);
  printTable(
    ['server, page', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'req/s ÷ bare', 'p99 ÷ bare', 'server CPU µs / request', 'CPU ÷ bare', 'errors'],
    rows,
  );

  if (useWrk) {
    const before = bareBefore.wrk.get('/')!;
    const after = bareAfter.wrk.get('/')!;
    const bare = mean(before, after);
    const row = (label: string, f: Figure, ratio: boolean) => [
      label,
      whole(f.rps),
      fixed(f.p50, 2),
      ratio ? `${fixed(f.rps / bare.rps, 3)}×` : '1×',
      whole(f.cpuUs),
      ratio ? `${fixed(f.cpuUs / bare.cpuUs, 1)}×` : '1×',
      String(f.errors),
    ];
    console.log(`\nwrk, 1 thread, ${WRK_CONNECTIONS} connections. Ratios are to the mean of the two bare runs.\n`);
    printTable(
      ['server, page', 'req/s', 'p50 ms', 'req/s ÷ bare', 'server CPU µs / request', 'CPU ÷ bare', 'errors'],
      [
        row('bare Fastify, GET / (before)', before, false),
        row('bare Fastify, GET / (after)', after, false),
        ...latchkeyRuns.flatMap((run) => run.paths.map((path) => row(`${run.label}, GET ${path}`, run.wrk.get(path)!, true))),
      ],
    );
  }
} finally {
  for (const config of configs) config.cleanup();
  rmSync(scratch, { recursive: true, force: true });
}
