/**
 * The server side of the HTTP benches, run as a child process of the bench (`fork` with
 * `--import tsx`) so that the load generator and the RSS sampler are never in the process they
 * measure. Two kinds, started the same way and listening the same way (127.0.0.1, any free
 * port, plain HTTP):
 *
 * - `bare`: Fastify 5 with its logger off and a "hello" answer on GET /, GET /reset and
 *   POST /reset (form bodies accepted, not parsed): the baseline; and on GET /static/<bytes> a
 *   static HTML page of that many bytes (made once per size), the baseline for a page;
 * - `latchkey`: the whole portal from `createApp` + `serve` (behindTlsProxy), configured from
 *   the `base` the bench hands over (a fresh SQLite data folder the bench owns and removes).
 *
 * The bench talks to it over the IPC channel: `ready` (with the port) once listening, then
 * `stats` (Latchkey's audit trail grouped, row counts of its tables, warnings logged) and
 * `stop` on request. The child exits when the bench goes away.
 *
 * Not run on its own: started by bench/lib/harness.ts (startTarget).
 */
import { openSync, writeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Fastify from 'fastify';

/** What the bench passes in BENCH_TARGET (JSON). */
export interface TargetSpec {
  kind: 'bare' | 'latchkey';
  /** Latchkey: the config file's content (dataDir, server, directory, smtp …). */
  base?: Record<string, unknown>;
  /**
   * Latchkey's logger: 'warn' counts warnings and errors in memory (request lines are below
   * the level, so it costs as little as no logger); 'info' is the default level, written
   * synchronously to /dev/null, as pino writes to stdout in production.
   */
  log?: 'warn' | 'info';
  /** Addresses whose X-Forwarded-For is believed (the bare server gets the same setting). */
  trustedProxies?: string[];
  /**
   * NODE_ENV of the server process: 'production' unless given (null: unset), as
   * docs/latchkey.service sets it; the bench compares the two.
   */
  nodeEnv?: string | null;
  /**
   * Set by the harness for a compiled target (TargetOptions.compiled): the file URL of dist/,
   * which Latchkey is then imported from, with no TypeScript loader in the process.
   */
  compiledRoot?: string;
  /** When set, the server writes a V8 CPU profile (.cpuprofile) into this folder as it exits. */
  cpuProfileDir?: string;
}

export interface TargetStats {
  /** Audit events: action, outcome, detail, how many events and in how many entries (repeated refusals share one). */
  audit: { action: string; outcome: string; detail: string | null; n: number; entries: number }[];
  /** Rows per table (sessions, throttle counters, codes, enrollments, audit). */
  rows: Record<string, number>;
  /** Warnings and errors the server logged, and the distinct messages. */
  warnings: number;
  messages: string[];
  /** After a full garbage collection: V8's heap in use and memory outside it (buffers, native), MB. */
  heapMb: number;
  externalMb: number;
  /** SQL statements the server ran against its SQLite database so far (0 for the bare server). */
  statements: number;
}

export type ToTarget = { type: 'stats' } | { type: 'stop' };
export type FromTarget = { type: 'ready'; port: number } | { type: 'stats'; stats: TargetStats } | { type: 'stopped' } | { type: 'failed'; error: string };

const spec = JSON.parse(process.env.BENCH_TARGET ?? '{}') as TargetSpec;
const send = (message: FromTarget) => process.send?.(message);
// The bench owns this process: when it goes, so does the server.
process.on('disconnect', () => process.exit(0));

// A collection before the heap is read, so that it shows what is kept, not garbage not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  const usage = process.memoryUsage();
  return { heapMb: usage.heapUsed / 1048576, externalMb: usage.external / 1048576 };
};

let warnings = 0;
const messages = new Set<string>();
let statements = 0;

/** Counts every execution of a better-sqlite3 statement (prepared once or each time alike), for statements per request. */
async function countStatements() {
  const { default: Sqlite } = await import('better-sqlite3');
  const probe = new Sqlite(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<'run' | 'get' | 'all' | 'iterate', (...args: unknown[]) => unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = proto[method];
    proto[method] = function (this: unknown, ...args: unknown[]) {
      statements += 1;
      return original.apply(this, args);
    };
  }
}

try {
  if (spec.kind === 'bare') {
    const app = Fastify({ logger: false, trustProxy: spec.trustedProxies?.length ? spec.trustedProxies : false });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    const hello = async () => 'hello';
    app.get('/', hello);
    app.get('/reset', hello);
    app.post('/reset', hello);
    const pages = new Map<number, string>();
    app.get<{ Params: { bytes: string } }>('/static/:bytes', async (request, reply) => {
      const bytes = Math.min(Number(request.params.bytes) || 0, 1 << 20);
      if (!pages.has(bytes)) pages.set(bytes, `<!doctype html><p>${'x'.repeat(Math.max(0, bytes - 19))}</p>`.slice(0, bytes));
      return reply.type('text/html; charset=utf-8').send(pages.get(bytes));
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    process.on('message', async (message: ToTarget) => {
      if (message.type === 'stats') send({ type: 'stats', stats: { audit: [], rows: {}, warnings: 0, messages: [], statements: 0, ...heap() } });
      if (message.type === 'stop') {
        await app.close();
        send({ type: 'stopped' });
        process.exit(0);
      }
    });
    send({ type: 'ready', port: (app.server.address() as AddressInfo).port });
  } else {
    // Imported here, so that the bare server's memory holds none of Latchkey's modules.
    await countStatements();
    // From dist/ (compiled, as `latchkey serve` runs) when the bench asks, else the sources under tsx.
    const from = (path: string) => (spec.compiledRoot ? `${spec.compiledRoot}/${path}.js` : `../../src/${path}.ts`);
    const { createApp } = (await import(from('app'))) as typeof import('../../src/app.ts');
    const { loadConfig } = (await import(from('config/load'))) as typeof import('../../src/config/load.ts');
    const { serve } = (await import(from('cli/serve'))) as typeof import('../../src/cli/serve.ts');
    const config = loadConfig({ env: {}, base: spec.base ?? {} });
    const devNull = spec.log === 'info' ? openSync('/dev/null', 'w') : -1;
    const stream =
      spec.log === 'info'
        ? { write: (line: string) => void writeSync(devNull, line) }
        : {
            write(line: string) {
              warnings += 1;
              const parsed = JSON.parse(line) as { msg?: string };
              if (parsed.msg && messages.size < 10) messages.add(parsed.msg);
            },
          };
    const app = await createApp(config, { env: {}, logger: { level: spec.log ?? 'warn', stream } });
    const running = await serve(app, config);
    // serve() warns once about plain HTTP; that is the set-up, not the load.
    warnings = 0;
    messages.clear();
    process.on('message', async (message: ToTarget) => {
      if (message.type === 'stats') {
        const counted = statements;
        const { auditStats } = await import('./audit-stats.ts');
        const { audit, rows } = await auditStats(app.store.db);
        send({ type: 'stats', stats: { audit, rows, warnings, messages: [...messages], statements: counted, ...heap() } });
      }
      if (message.type === 'stop') {
        await running.stop();
        send({ type: 'stopped' });
        process.exit(0);
      }
    });
    send({ type: 'ready', port: (app.server.server.address() as AddressInfo).port });
  }
} catch (error) {
  send({ type: 'failed', error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });
  process.exit(1);
}
