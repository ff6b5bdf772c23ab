/**
 * Does the audit trail stay usable at a million events? On a scratch SQLite file and a scratch
 * PostgreSQL database (TEST_DATABASE_URL's server, dropped afterwards), fills the trail with
 * N realistic events, then times the viewer's queries and the exports. Times are also given as
 * ratios to a baseline taken in the same run (a full `SELECT count(*)`), so that runs on
 * different machines compare; memory is the peak RSS increase over the RSS before the export,
 * sampled every 50 ms. Not part of the test run.
 *
 *   node --import tsx bench/audit-scale.ts [rows]      (default 1,000,000)
 */
import { cpus } from 'node:os';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Insertable, sql } from 'kysely';
import { type ExportFormat, exportAudit } from '../src/audit/export.ts';
import { HELPDESK_ACTIONS, SELF_SERVICE_ACTIONS } from '../src/audit/recorder.ts';
import type { AuditFilter, AuditQuery } from '../src/store/audit.ts';
import type { AuditCategory, AuditEventsTable } from '../src/store/schema.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { createScratchDatabase, TEST_DIALECTS } from '../src/testing/databases.ts';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const DAY = 86_400_000;
/** The trail covers the year before END; ids grow with time, as they do when events are recorded. */
const END = Date.UTC(2025, 0, 1);
const START = END - 365 * DAY;
/** One event in this many is by NEEDLE, spread evenly over the whole year. */
const NEEDLE_EVERY = 10_000;
const NEEDLE = 'Needle.Person';
const BATCH = 1000; // rows per INSERT: 11,000 parameters, within both databases' limits
const BATCHES_PER_TRANSACTION = 50;
const REPEAT = 5;

// A collection before each export, so that the RSS it starts from is not inflated by garbage
// of the previous step. The command line stays `node --import tsx`, hence the flag set here.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A small deterministic generator (mulberry32), so that every run fills the same trail. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'anna',
  'ben',
  'carla',
  'dev',
  'elif',
  'femi',
  'gus',
  'hana',
  'ivo',
  'jin',
  'kai',
  'lena',
  'mo',
  'nora',
  'omar',
  'pia',
  'quinn',
  'rui',
  'sara',
  'tom',
];
const LAST = [
  'adams',
  'berg',
  'costa',
  'dahl',
  'evans',
  'fox',
  'garcia',
  'huber',
  'ito',
  'jensen',
  'khan',
  'lopez',
  'meyer',
  'novak',
  'olsen',
  'park',
  'quist',
  'rossi',
  'smith',
  'tanaka',
];
const OPERATORS = ['hd-olivia', 'hd-marc', 'hd-sven', 'hd-aiko', 'hd-lucas', 'hd-noor', 'hd-pablo', 'hd-wen', 'hd-zoe', 'hd-ravi', 'hd-ines', 'hd-tariq'];
const ADMINS = ['lk-admin', 'lk-ops', 'lk-security'];
const ADMIN_ACTIONS = ['sign-in', 'settings-change', 'settings-test', 'audit-export', 'audit-purge'];
const DETAILS = ['LK_PASSWORD_TOO_SHORT', 'LK_PASSWORD_RECENTLY_USED', 'decoy: unknown name', 'LK_ACCOUNT_LOCKED', '{"forceChange":true}', 'sms', 'email'];

type Row = Insertable<AuditEventsTable>;

/** Event `i` of the trail: 87% self-service, 10% helpdesk, 3% admin; mostly successes. */
function event(i: number, next: () => number): Row {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const user = () => `${pick(FIRST)}.${pick(LAST)}${Math.floor(next() * 5) || ''}`;
  const roll = next();
  const category: AuditCategory = i % NEEDLE_EVERY === NEEDLE_EVERY / 2 ? 'self-service' : roll < 0.1 ? 'helpdesk' : roll < 0.13 ? 'admin' : 'self-service';
  const outcomeRoll = next();
  const row: Row = {
    at: START + Math.floor(((i + next()) * 365 * DAY) / ROWS),
    category,
    actor: category === 'helpdesk' ? pick(OPERATORS) : category === 'admin' ? pick(ADMINS) : next() < 0.05 ? 'unknown' : user(),
    actor_guid: null,
    target: category === 'helpdesk' ? user() : null,
    target_guid: null,
    action: pick(category === 'helpdesk' ? HELPDESK_ACTIONS : category === 'admin' ? ADMIN_ACTIONS : SELF_SERVICE_ACTIONS),
    outcome: outcomeRoll < 0.8 ? 'success' : outcomeRoll < 0.95 ? 'refused' : 'failure',
    source_ip: `10.${Math.floor(next() * 4)}.${Math.floor(next() * 40)}.${Math.floor(next() * 250) + 1}`,
    detail: next() < 0.3 ? pick(DETAILS) : null,
  };
  if (i % NEEDLE_EVERY === NEEDLE_EVERY / 2) row.actor = NEEDLE;
  return row;
}

/** Fills the trail with ROWS events in multi-row INSERTs, many to a transaction; returns seconds. */
async function fill(store: Store): Promise<number> {
  const next = random(42);
  const started = performance.now();
  for (let first = 0; first < ROWS; first += BATCH * BATCHES_PER_TRANSACTION) {
    await store.db.transaction().execute(async (trx) => {
      for (let batch = first; batch < Math.min(first + BATCH * BATCHES_PER_TRANSACTION, ROWS); batch += BATCH) {
        const rows = Array.from({ length: Math.min(BATCH, ROWS - batch) }, (_, k) => event(batch + k, next));
        await trx.insertInto('audit_events').values(rows).execute();
      }
    });
    process.stdout.write(`\r  filled ${Math.min(first + BATCH * BATCHES_PER_TRANSACTION, ROWS).toLocaleString('en')}`);
  }
  process.stdout.write('\n');
  return (performance.now() - started) / 1000;
}

/** The median of REPEAT runs of `work` after one to warm up, in milliseconds. */
async function timed(work: () => Promise<unknown>): Promise<number> {
  await work();
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(REPEAT / 2)] ?? Number.NaN;
}

/** `n` with its sign, and no "-0.0" for a change that rounds to nothing. */
const signed = (n: number) => (Math.abs(n) < 0.05 ? '±0.0' : `${n > 0 ? '+' : ''}${n.toFixed(1)}`);

/** A Writable that throws everything away, counting bytes. */
function discard(): { output: Writable; bytes: () => number } {
  let bytes = 0;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done();
    },
  });
  return { output, bytes: () => bytes };
}

interface ExportFigures {
  rows: number;
  seconds: number;
  megabytes: number;
  /** The RSS before the export, in MB. */
  rssBefore: number;
  /** Peak RSS over the RSS before the export, in MB. */
  rssPeak: number;
  /** Heap still in use after the export and a collection, over the heap before, in MB. */
  retained: number;
}

/** Exports `filter` as `format` into a discarding stream, sampling the RSS every 50 ms. */
async function measureExport(store: Store, filter: AuditFilter, format: ExportFormat): Promise<ExportFigures> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const { output, bytes } = discard();
  const started = performance.now();
  try {
    const { rows } = await exportAudit(store.audit, filter, format, output);
    const seconds = (performance.now() - started) / 1000;
    peak = Math.max(peak, process.memoryUsage.rss());
    // The peak is mostly garbage not yet collected (V8 lets the heap grow under a high
    // allocation rate); what the export keeps shows after a collection.
    gc();
    const retained = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    return { rows, seconds, megabytes: bytes() / 1e6, rssBefore: before / 1e6, rssPeak: (peak - before) / 1e6, retained };
  } finally {
    clearInterval(sampler);
  }
}

/** The viewer's queries: a page (at most 1,000 events, newest first) and the matching count. */
const QUERIES: { label: string; query: AuditQuery }[] = [
  { label: '(a) newest 1,000 of one category (helpdesk)', query: { category: 'helpdesk' } },
  { label: `(b) user "${NEEDLE.toUpperCase()}", any case (~${ROWS / NEEDLE_EVERY} over the year)`, query: { actor: NEEDLE.toUpperCase() } },
  { label: '(b) a busy helpdesk operator, any case (~1/120 of the trail)', query: { actor: 'HD-OLIVIA' } },
  {
    label: '(c) self-service + action + outcome, 30 days mid-year',
    query: { category: 'self-service', action: 'question-wrong', outcome: 'refused', from: START + 150 * DAY, to: START + 180 * DAY - 1 },
  },
];
const EXPORT_FILTER: AuditFilter = { category: 'helpdesk' };
const EXPORT_FORMATS: ExportFormat[] = ['csv', 'xlsx', 'pdf'];
/** PDF is left out: the whole trail would be 25,000 pages and minutes per run. */
const WHOLE_TRAIL_FORMATS: ExportFormat[] = ['csv', 'xlsx'];

type Figures = Map<string, string>;

async function run(dialect: (typeof TEST_DIALECTS)[number]): Promise<Figures> {
  const figures: Figures = new Map();
  const scratch = await createScratchDatabase(dialect);
  const store = await openStore(scratch.options);
  try {
    const version =
      dialect === 'sqlite'
        ? (await sql<{ v: string }>`select sqlite_version() as v`.execute(store.db)).rows[0]?.v
        : (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(store.db)).rows[0]?.v;
    console.log(`${dialect} ${version}: filling ${ROWS.toLocaleString('en')} events`);
    figures.set('version', `${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${version}`);
    const fillSeconds = await fill(store);
    figures.set('fill', `${fillSeconds.toFixed(1)} s (${Math.round(ROWS / fillSeconds).toLocaleString('en')} rows/s)`);
    // A bulk load is followed by autovacuum's ANALYZE on PostgreSQL; here it is run at once so
    // the figures do not depend on when autovacuum comes by. SQLite is left as Latchkey leaves it.
    if (dialect === 'postgres') await sql`analyze audit_events`.execute(store.db);

    // The baseline reads every row: SQLite answers a bare count(*) from the b-tree's page
    // counts without reading rows, which would make a poor yardstick. count(*) is shown too.
    const baseline = await timed(() => sql`select count(detail) from audit_events`.execute(store.db));
    const ratio = (ms: number) => `${ms.toFixed(1)} ms (${(ms / baseline).toFixed(3)}×)`;
    figures.set('baseline: full scan, SELECT count(detail)', ratio(baseline));
    figures.set('SELECT count(*)', ratio(await timed(() => sql`select count(*) from audit_events`.execute(store.db))));
    for (const { label, query } of QUERIES) {
      const found = (await store.audit.query(query)).length;
      const count = await store.audit.count(query);
      figures.set(`${label} page`, `${ratio(await timed(() => store.audit.query(query)))}, ${found} rows`);
      figures.set(`${label} count`, `${ratio(await timed(() => store.audit.count(query)))}, ${count.toLocaleString('en')}`);
    }

    const record = (label: string, { rows, seconds, megabytes, rssBefore, rssPeak, retained }: ExportFigures) => {
      const rate = Math.round(rows / seconds).toLocaleString('en');
      const rss = `RSS +${rssPeak.toFixed(0)} MB peak (${((rssBefore + rssPeak) / rssBefore).toFixed(2)}× of ${rssBefore.toFixed(0)} MB)`;
      figures.set(label, `${seconds.toFixed(1)} s, ${rate} rows/s, ${megabytes.toFixed(0)} MB; ${rss}, heap ${signed(retained)} MB kept`);
      console.log(`  ${label}: ${figures.get(label)}`);
    };
    const matching = await store.audit.count(EXPORT_FILTER);
    for (const format of EXPORT_FORMATS) {
      const figure = await measureExport(store, EXPORT_FILTER, format);
      if (figure.rows !== matching) throw new Error(`the ${format} export wrote ${figure.rows} rows of ${matching}`);
      record(`(d) export ${format}`, figure);
    }
    figures.set('export rows', matching.toLocaleString('en'));
    // Memory must not grow with the size of the export: the whole trail, ten times as many rows.
    for (const format of WHOLE_TRAIL_FORMATS) record(`(e) export ${format}, whole trail`, await measureExport(store, {}, format));
  } finally {
    await store.close();
    await scratch.drop();
  }
  return figures;
}

const results = new Map<string, Figures>();
for (const dialect of TEST_DIALECTS) results.set(dialect, await run(dialect));

const sqlite = results.get('sqlite') ?? new Map();
const postgres = results.get('postgres') ?? new Map();
const lines = [
  `Audit trail of ${ROWS.toLocaleString('en')} events; ${cpus().length} cores, Node ${process.version}.`,
  `Times are medians of ${REPEAT} runs; (×) is the ratio to the baseline, a full scan of the table.`,
  `Exports: (d) filter category = helpdesk (${sqlite.get('export rows')} rows), (e) no filter; into a discarding stream.`,
  'RSS: peak increase over the RSS before the export (sampled every 50 ms); heap kept: heap in use after the export and a GC, over the heap before.',
  '',
  `| | ${sqlite.get('version')} | ${postgres.get('version')} |`,
  '|---|---|---|',
  ...[...sqlite.keys()].filter((key) => !['version', 'export rows'].includes(key)).map((key) => `| ${key} | ${sqlite.get(key)} | ${postgres.get(key) ?? ''} |`),
];
console.log(`\n${lines.join('\n')}`);
