/**
 * What the HTTP benches share: a server (Latchkey or bare Fastify) in a child process, the
 * resident memory of that process read from /proc, an HTTP client over node:http with
 * keep-alive agents (a cookie-keeping one that the journey helpers of src/testing accept),
 * throwaway users of the dev domain, percentiles and a table printer.
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import type { Client } from 'ldapts';
import { devDirectorySettings } from '../../src/cli/demo.ts';
import { type Outbox, startOutbox } from '../../src/notify/outbox.ts';
import { adminClient, createUser, devDomain, type TestUser } from '../../src/testing/dev-domain.ts';
import type { TwilioFake } from '../../src/testing/twilio-fake.ts';
import { startTwilioFake } from '../../src/testing/twilio-fake.ts';
import type { FromTarget, TargetSpec, TargetStats, ToTarget } from './target.ts';

const here = dirname(fileURLToPath(import.meta.url));

// Servers ------------------------------------------------------------------------------------

export interface Target {
  readonly pid: number;
  readonly port: number;
  stats(): Promise<TargetStats>;
  stop(): Promise<void>;
}

function withoutNodeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_ENV: _ignored, ...rest } = env;
  return rest;
}

const root = join(here, '..', '..');
let compiledTarget: { target: string; dist: string } | undefined;

/**
 * Latchkey compiled as scripts/build.mjs compiles it (tsc with tsconfig.build.json, the web assets
 * beside it) but into a folder of the benches' own, so that a build or a package test running at
 * the same time never removes it under a running server; and bench/lib/target.ts transpiled to
 * plain JavaScript next to it. Once per bench run. The target then runs as `latchkey serve` does,
 * with no TypeScript loader (tsx holds tens of MB and its own thread).
 */
function compiled(): { target: string; dist: string } {
  if (compiledTarget) return compiledTarget;
  const out = join(root, 'node_modules', '.cache', 'latchkey-bench', String(process.pid));
  const dist = join(out, 'dist');
  rmSync(out, { recursive: true, force: true });
  process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  const run = (args: string[]) => {
    const done = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
    if (done.status !== 0) throw new Error(`${args.join(' ')} failed`);
  };
  run([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', dist]);
  run([join(root, 'scripts', 'build-browser.mjs')]);
  for (const assets of ['web/views', 'web/static', 'i18n/strings']) cpSync(join(root, 'src', assets), join(dist, assets), { recursive: true });
  // target.ts and the module it imports for the database's figures, as .mjs files that import each other.
  const transpile = (name: string) => {
    const { code } = transformSync(readFileSync(join(here, `${name}.ts`), 'utf8'), { loader: 'ts', format: 'esm', target: 'node22' });
    writeFileSync(join(out, `${name}.mjs`), code.replace(/(['"])\.\/audit-stats\.ts\1/g, '$1./audit-stats.mjs$1'));
  };
  transpile('target');
  transpile('audit-stats');
  const target = join(out, 'target.mjs');
  compiledTarget = { target, dist };
  return compiledTarget;
}

/**
 * Starts bench/lib/target.ts in a child process and waits until it listens: under tsx (node
 * --import tsx) with Latchkey's sources, or with `compiled`, as plain JavaScript with Latchkey
 * compiled (built first), as it runs in production.
 */
export async function startTarget(spec: TargetSpec, options: { compiled?: boolean } = {}): Promise<Target> {
  const build = options.compiled ? compiled() : undefined;
  const file = build ? build.target : join(here, 'target.ts');
  const sent: TargetSpec = build ? { ...spec, compiledRoot: pathToFileURL(build.dist).href } : spec;
  const child: ChildProcess = fork(file, [], {
    execArgv: [...(options.compiled ? [] : ['--import', 'tsx']), ...(spec.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${spec.cpuProfileDir}`] : [])],
    env: { ...withoutNodeEnv(process.env), ...(spec.nodeEnv === null ? {} : { NODE_ENV: spec.nodeEnv ?? 'production' }), BENCH_TARGET: JSON.stringify(sent) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type: FromTarget['type'], timeoutMs: number) =>
    new Promise<FromTarget>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`the ${spec.kind} server did not answer ${type} within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message: FromTarget) => {
        if (message.type === 'failed') done(new Error(`the ${spec.kind} server failed: ${message.error}`));
        else if (message.type === type) done(null, message);
      };
      const onExit = (code: number | null) => done(new Error(`the ${spec.kind} server exited (${code}) before ${type}`));
      function done(error: Error | null, message?: FromTarget) {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve(message!);
      }
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  const ready = next('ready', 60_000);
  let port: number;
  try {
    port = ((await ready) as Extract<FromTarget, { type: 'ready' }>).port;
  } catch (error) {
    child.kill();
    throw error;
  }
  const ask = (message: ToTarget) => child.send(message);
  return {
    pid: child.pid!,
    port,
    async stats() {
      const answer = next('stats', 30_000);
      ask({ type: 'stats' });
      return ((await answer) as Extract<FromTarget, { type: 'stats' }>).stats;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      ask({ type: 'stop' });
      const timer = setTimeout(() => child.kill(), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A Latchkey config for a bench: a fresh data folder, the dev domain, mail and texts to the fakes. */
export function latchkeyConfig(
  settings: Record<string, unknown> = {},
  fakes: { outbox?: Outbox; twilio?: TwilioFake } = {},
): { base: Record<string, unknown>; dataDir: string; cleanup(): void } {
  const facts = devDomain();
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  const { server, ...rest } = settings as { server?: Record<string, unknown> };
  const base: Record<string, unknown> = {
    dataDir,
    server: { host: '127.0.0.1', port: 0, behindTlsProxy: true, publicUrl: 'https://passwords.latchkey.test', ...server },
    directory: devDirectorySettings(facts),
    ...(fakes.outbox ? { smtp: { host: '127.0.0.1', port: fakes.outbox.port, security: 'none', from: 'Latchkey <noreply@latchkey.test>' } } : {}),
    ...(fakes.twilio
      ? {
          sms: {
            provider: 'twilio',
            accountSid: fakes.twilio.accountSid,
            authToken: fakes.twilio.authToken,
            from: '+15550000000',
            apiBase: fakes.twilio.apiBase,
          },
        }
      : {}),
    ...rest,
  };
  return { base, dataDir, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

// Memory -------------------------------------------------------------------------------------

/** Resident memory of a process in MB (VmRSS from /proc), NaN once it is gone. */
export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time a process has used so far (user + system, all its threads: the libuv pool's argon2
 * work included), in ms, from /proc/<pid>/stat at its 10 ms resolution; NaN once it is gone.
 */
export function cpuMs(pid: number): number {
  try {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name; in ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

export interface RssWindow {
  samples: number;
  median: number;
  peak: number;
  last: number;
}

/** Samples a process's RSS every `everyMs`; `window()` starts a span, `end()` summarises it. */
export function rssSampler(pid: number, everyMs = 100) {
  const samples: { at: number; mb: number }[] = [];
  const take = () => {
    const mb = rssMb(pid);
    if (!Number.isNaN(mb)) samples.push({ at: performance.now(), mb });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    window() {
      const from = performance.now();
      return {
        end(): RssWindow {
          take();
          const span = samples.filter((sample) => sample.at >= from).map((sample) => sample.mb);
          return { samples: span.length, median: quantile(span, 0.5), peak: Math.max(...span), last: span.at(-1) ?? Number.NaN };
        },
      };
    },
    stop: () => clearInterval(timer),
  };
}

// HTTP ---------------------------------------------------------------------------------------

export { httpWebClient, keepAlive, type Reply, send } from '../../src/testing/http-client.ts';

/** The `name=value` pairs of a response's Set-Cookie headers. */
export function cookiesOf(headers: IncomingHttpHeaders): Map<string, string> {
  const jar = new Map<string, string>();
  for (const line of headers['set-cookie'] ?? []) {
    const pair = line.split(';')[0]!;
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return jar;
}

/** An IPv4 address for flow number `i` in a private block: 10.`block`.x.y, 65,536 of them. */
export const addressOf = (block: number, i: number) => `10.${block}.${(i >> 8) & 255}.${i & 255}`;

/** Runs `work(worker)` on `concurrency` workers until each resolves; the workers pull their own jobs. */
export async function pool(concurrency: number, work: (worker: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: concurrency }, (_, worker) => work(worker)));
}

// Users --------------------------------------------------------------------------------------

/** `n` throwaway users of the dev domain (Staff OU), added `concurrency` at a time. */
async function createUsers(admin: Client, n: number, concurrency = 4): Promise<TestUser[]> {
  const users: TestUser[] = [];
  let next = 0;
  await pool(concurrency, async () => {
    while (next < n) {
      next += 1;
      users.push(await createUser(admin, 'staff'));
    }
  });
  return users;
}

/** Deletes the users again, `concurrency` at a time, ignoring those already gone. */
/** The dev domain's admin connection, an SMTP outbox and a Twilio fake for one bench; close() also removes the users it made. */
export async function openBenchWorld() {
  const admin = await adminClient();
  const outbox = await startOutbox();
  const twilio = await startTwilioFake();
  const made: TestUser[] = [];
  return {
    admin,
    outbox,
    twilio,
    async createUsers(n: number): Promise<TestUser[]> {
      const users = await createUsers(admin, n);
      made.push(...users);
      return users;
    },
    async close() {
      await removeUsers(admin, made);
      await admin.unbind();
      await outbox.close();
      await twilio.close();
    },
  };
}

async function removeUsers(admin: Client, users: { dn: string }[], concurrency = 4): Promise<void> {
  const queue = users.map((user) => user.dn);
  await pool(concurrency, async () => {
    for (let dn = queue.pop(); dn !== undefined; dn = queue.pop()) await admin.del(dn).catch(() => undefined);
  });
}

// Figures ------------------------------------------------------------------------------------

/** The `q` quantile (nearest rank) of `values`; NaN for none. */
export function quantile(values: number[], q: number): number {
  if (!values.length) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The median of `values` (the mean of the middle two for an even count); NaN for none. */
export function median(values: number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
export const whole = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '–');

/** Prints a Markdown table. */
export function printTable(headers: string[], rows: string[][]): void {
  console.log(`| ${headers.join(' | ')} |`);
  console.log(`|${headers.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}
