/**
 * A worker thread that writes a Pwned Passwords list as the downloader would (`HASH:count` CRLF
 * lines, sorted by SHA-1 hash) without the file: random hashes, generated in order, handed to the
 * main thread in chunks of bytes as it asks for them (one message of credit per chunk), so that
 * the list never exists whole. Counts follow a Pareto law (α = 1.2): 56% are 1, the mean is
 * about 6, a few run into the millions, as in the real list. Every `sampleEvery`-th hash is kept
 * and sent at the end, for lookups of hashes that are present. The same seed gives the same list.
 */
import { parentPort, workerData } from 'node:worker_threads';

export interface GeneratorOptions {
  count: number;
  seed: number;
  sampleEvery: number;
  chunkBytes: number;
}

export type GeneratorMessage = { chunk: Uint8Array } | { done: true; lines: number; samples: Uint8Array };

const PREFIXES = 2 ** 20;
const MAX_LINE = 40 + 1 + 10 + 2;
const HEX_PAIRS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).toUpperCase().padStart(2, '0'));
const HEX_HIGH = Uint8Array.from(HEX_PAIRS, (pair) => pair.charCodeAt(0));
const HEX_LOW = Uint8Array.from(HEX_PAIRS, (pair) => pair.charCodeAt(1));

const options = workerData as GeneratorOptions;
let state = options.seed;
/** mulberry32: a small fast generator of 32-bit values. */
function random32(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
}

/** A normal deviate (Box–Muller), for the Poisson-like number of hashes under each prefix. */
function normal(): number {
  return Math.sqrt(-2 * Math.log((random32() + 1) / 2 ** 32)) * Math.cos((2 * Math.PI * random32()) / 2 ** 32);
}

const perPrefix = options.count / PREFIXES;
let prefix = -1;
let values = new Uint32Array(0);
let at = 0;
let lines = 0;
const hash = new Uint8Array(20);
const samples: Uint8Array[] = [];

/** The next prefix's sorted, distinct 32-bit values (the 8 hex digits after the prefix). */
function nextPrefix(): boolean {
  prefix += 1;
  if (prefix >= PREFIXES) return false;
  const n = Math.max(0, Math.round(perPrefix + Math.sqrt(perPrefix) * normal()));
  const drawn = new Uint32Array(n);
  for (let i = 0; i < n; i++) drawn[i] = random32();
  drawn.sort();
  let distinct = 0;
  for (let i = 0; i < n; i++) if (i === 0 || drawn[i] !== drawn[i - 1]) drawn[distinct++] = drawn[i]!;
  values = drawn.subarray(0, distinct);
  at = 0;
  return true;
}

/** Writes the next line at `position`; returns the position after it, or -1 when the list is done. */
function writeLine(out: Uint8Array, position: number): number {
  while (at >= values.length) if (!nextPrefix()) return -1;
  const value = values[at++]!;
  hash[0] = prefix >>> 12;
  hash[1] = (prefix >>> 4) & 0xff;
  hash[2] = ((prefix & 0xf) << 4) | (value >>> 28);
  hash[3] = (value >>> 20) & 0xff;
  hash[4] = (value >>> 12) & 0xff;
  hash[5] = (value >>> 4) & 0xff;
  let rest = random32();
  hash[6] = ((value & 0xf) << 4) | (rest & 0xf);
  for (let i = 7; i < 20; i++) {
    if ((i & 3) === 3) rest = random32();
    hash[i] = rest & 0xff;
    rest >>>= 8;
  }
  let p = position;
  for (let i = 0; i < 20; i++) {
    out[p++] = HEX_HIGH[hash[i]!]!;
    out[p++] = HEX_LOW[hash[i]!]!;
  }
  out[p++] = 0x3a;
  const count = Math.min(2 ** 32 - 1, Math.floor(((random32() + 1) / 2 ** 32) ** (-1 / 1.2)));
  const digits = String(count);
  for (let i = 0; i < digits.length; i++) out[p++] = digits.charCodeAt(i);
  out[p++] = 13;
  out[p++] = 10;
  if (lines % options.sampleEvery === 0) samples.push(hash.slice());
  lines += 1;
  return p;
}

let finished = false;
function chunk(): Uint8Array | null {
  const out = new Uint8Array(options.chunkBytes);
  let position = 0;
  while (position + MAX_LINE <= out.length) {
    const next = writeLine(out, position);
    if (next < 0) {
      finished = true;
      break;
    }
    position = next;
  }
  return position > 0 ? out.subarray(0, position) : null;
}

parentPort!.on('message', (credit: number) => {
  for (let i = 0; i < credit && !finished; i++) {
    const bytes = chunk();
    if (bytes) parentPort!.postMessage({ chunk: bytes } satisfies GeneratorMessage, [bytes.buffer as ArrayBuffer]);
  }
  if (finished) {
    const all = new Uint8Array(samples.length * 20);
    samples.forEach((sample, i) => all.set(sample, i * 20));
    parentPort!.postMessage({ done: true, lines, samples: all } satisfies GeneratorMessage, [all.buffer]);
  }
});
