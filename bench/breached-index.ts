/**
 * How big and how fast is the breached-password index at the size of the real list? A worker
 * thread generates a sorted list of N random SHA-1 hashes with counts (bench/lib/hash-list-
 * generator.ts) and streams it, as bytes of `HASH:count` lines, through the same parser and
 * writer as `latchkey breached import`; nothing of the list is written. Then, with the index in
 * the page cache (read once from end to end): bytes per hash, import rate (and the importer's
 * own rate on 2 million lines generated beforehand, so the generator on the other core is not
 * what is measured), lookup p50/p99 of present and absent hashes, the first lookup after a fresh
 * open, false positives over 10 million absent random hashes against the design's figure, and
 * the RSS growth of a separate process doing 1 million lookups. Not part of the test run.
 *
 *   node --import tsx bench/breached-index.ts [--count N] [--dir FOLDER]   (default 100,000,000, the temp folder)
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { importBreachedList } from '../src/passwords/breached-import.ts';
import { IndexFile } from '../src/passwords/breached-index.ts';
import { printTable } from './lib/harness.ts';
import type { GeneratorMessage, GeneratorOptions } from './lib/hash-list-generator.ts';

const { values: args } = parseArgs({
  options: { count: { type: 'string' }, dir: { type: 'string' }, 'rss-child': { type: 'string' }, lookups: { type: 'string' } },
});
const LOOKUPS = 1_000_000;
const FALSE_POSITIVE_TRIES = 10_000_000;
const FRESH_OPENS = 200;
const SAMPLES = 1_000_000;

/** The generated list as chunks of bytes; `samples` receives every so many of its hashes at the end. */
async function* generatedList(count: number, seed: number, samples: { hashes: Uint8Array; lines: number }): AsyncGenerator<Uint8Array> {
  const options: GeneratorOptions = { count, seed, sampleEvery: Math.max(1, Math.floor(count / SAMPLES)), chunkBytes: 4 << 20 };
  // A worker does not inherit tsx's loader: it registers it, then imports the TypeScript.
  const entry = new URL('./lib/hash-list-generator.ts', import.meta.url).href;
  const worker = new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`, {
    eval: true,
    workerData: options,
  });
  const queue: GeneratorMessage[] = [];
  let wake: (() => void) | null = null;
  worker.on('message', (message: GeneratorMessage) => {
    queue.push(message);
    wake?.();
  });
  worker.postMessage(3); // three chunks on the way while one is parsed
  try {
    for (;;) {
      if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const message = queue.shift()!;
      if ('done' in message) {
        samples.hashes = message.samples;
        samples.lines = message.lines;
        return;
      }
      worker.postMessage(1);
      yield message.chunk;
    }
  } finally {
    await worker.terminate();
  }
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Times `lookup` on each hash; returns p50 and p99 in µs. */
function timeLookups(index: IndexFile, hashes: Uint8Array, width: number): { p50: number; p99: number; found: number } {
  const n = hashes.length / width;
  const times = new Float64Array(n);
  let found = 0;
  for (let i = 0; i < n; i++) {
    const hash = hashes.subarray(i * width, (i + 1) * width);
    const start = process.hrtime.bigint();
    if (index.count(hash) > 0) found += 1;
    times[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  times.sort();
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), found };
}

function randomHashes(n: number): Uint8Array {
  return randomFillSync(new Uint8Array(n * 20));
}

/** Reads the file once from end to end, so that the lookups find it in the page cache. */
function warmPageCache(path: string): void {
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(8 << 20);
  while (readSync(fd, buffer, 0, buffer.length, null) > 0);
  closeSync(fd);
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The importer's rate over lines made beforehand: by the clock, and by its own CPU time (the machine may be shared). */
async function importerAlone(folder: string, count: number): Promise<{ wall: number; cpu: number }> {
  const chunks: Uint8Array[] = [];
  const ignored = { hashes: new Uint8Array(0), lines: 0 };
  for await (const chunk of generatedList(count, 7, ignored)) chunks.push(chunk);
  const started = performance.now();
  const cpu = process.cpuUsage();
  await importBreachedList(
    (async function* () {
      yield* chunks;
    })(),
    { indexFile: join(folder, 'alone.idx'), inputName: 'generated', expectedHashes: count },
  );
  const { user, system } = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  rmSync(join(folder, 'alone.idx'));
  return { wall: ignored.lines / seconds, cpu: ignored.lines / ((user + system) / 1e6) };
}

async function main(count: number, parent: string): Promise<void> {
  const folder = mkdtempSync(join(parent, 'latchkey-breached-bench-'));
  const path = join(folder, 'breached-passwords.idx');
  try {
    console.log(`${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}; ${fmt(count)} hashes; load average ${loadavg()[0]!.toFixed(1)}\n`);
    const alone = await importerAlone(folder, Math.min(count, 2_000_000));

    const samples = { hashes: new Uint8Array(0), lines: 0 };
    const started = performance.now();
    let last = started;
    const header = await importBreachedList(generatedList(count, 1, samples), {
      indexFile: path,
      inputName: 'generated',
      expectedHashes: count,
      onProgress: (hashes) => {
        if (performance.now() - last < 10_000) return;
        last = performance.now();
        process.stderr.write(`  imported ${fmt(hashes)} in ${fmt((last - started) / 1000)} s\n`);
      },
    });
    const importSeconds = (performance.now() - started) / 1000;
    const size = statSync(path).size;
    warmPageCache(path);

    const index = IndexFile.open(path);
    const present = timeLookups(index, samples.hashes, 20);
    const absent = timeLookups(index, randomHashes(LOOKUPS), 20);
    let falsePositives = 0;
    for (let done = 0; done < FALSE_POSITIVE_TRIES; done += LOOKUPS) falsePositives += timeLookups(index, randomHashes(LOOKUPS), 20).found;
    index.close();

    const firsts = new Float64Array(FRESH_OPENS);
    for (let i = 0; i < FRESH_OPENS; i++) {
      const hash = randomHashes(1);
      const start = process.hrtime.bigint();
      const fresh = IndexFile.open(path);
      fresh.count(hash);
      firsts[i] = Number(process.hrtime.bigint() - start) / 1000;
      fresh.close();
    }
    firsts.sort();

    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--rss-child', path], { encoding: 'utf8' });
    const rss = JSON.parse(child.stdout) as { before: number; after: number; lookups: number };

    printTable(
      ['measure', 'figure'],
      [
        ['hashes imported (entries stored)', `${fmt(header.hashes)} (${fmt(header.entries)})`],
        ['bucket bits', String(header.bucketBits)],
        ['index size', `${fmt(size / 2 ** 20, 1)} MiB: ${fmt(size / header.hashes, 3)} bytes (${fmt((size * 8) / header.hashes, 1)} bits) a hash`],
        ['per billion hashes', `${fmt(((size / header.hashes) * 1e9) / 2 ** 30, 2)} GiB`],
        ['import, generator on the other core', `${fmt(importSeconds, 1)} s: ${fmt(header.hashes / importSeconds / 1e6, 2)} million hashes/s`],
        ['importer alone (2 million lines made beforehand)', `${fmt(alone.wall / 1e6, 2)} million hashes/s; ${fmt(alone.cpu / 1e6, 2)} million per CPU-second`],
        [
          'lookup, present (p50 / p99)',
          `${fmt(present.p50, 1)} / ${fmt(present.p99, 1)} µs, ${fmt(present.found)} of ${fmt(samples.hashes.length / 20)} found`,
        ],
        ['lookup, absent (p50 / p99)', `${fmt(absent.p50, 1)} / ${fmt(absent.p99, 1)} µs`],
        ['open + first lookup (median / max of 200)', `${fmt(quantile(firsts, 0.5), 1)} / ${fmt(firsts.at(-1)!, 1)} µs`],
        [
          `false positives in ${fmt(FALSE_POSITIVE_TRIES)} absent hashes`,
          `${falsePositives} (${(falsePositives / FALSE_POSITIVE_TRIES).toExponential(2)}); design: ${header.falsePositiveRate.toExponential(2)} (${fmt(header.falsePositiveRate * FALSE_POSITIVE_TRIES, 1)} expected), bound 2^-20 = 9.54e-7`,
        ],
        [
          `RSS growth over ${fmt(rss.lookups)} lookups (own process)`,
          `${fmt((rss.after - rss.before) / 2 ** 20, 1)} MiB (${fmt(rss.before / 2 ** 20, 1)} → ${fmt(rss.after / 2 ** 20, 1)} MiB)`,
        ],
      ],
    );
    console.log(`\nload average at the end: ${loadavg()[0]!.toFixed(1)}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** In a process of its own: RSS before and after `lookups` lookups (half present-looking, all random). */
function rssChild(path: string, lookups: number): void {
  const index = IndexFile.open(path);
  const batch = 10_000;
  const warm = randomHashes(batch);
  for (let i = 0; i < batch; i++) index.count(warm.subarray(i * 20, (i + 1) * 20));
  const before = process.memoryUsage.rss();
  for (let done = 0; done < lookups; done += batch) {
    const hashes = randomHashes(batch);
    for (let i = 0; i < batch; i++) index.count(hashes.subarray(i * 20, (i + 1) * 20));
  }
  const after = process.memoryUsage.rss();
  index.close();
  process.stdout.write(JSON.stringify({ before, after, lookups }));
}

if (args['rss-child']) {
  rssChild(args['rss-child'], Number(args.lookups ?? LOOKUPS));
} else {
  await main(Number(args.count ?? 100_000_000), args.dir ?? tmpdir());
}
