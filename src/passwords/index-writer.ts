/** Writing the breached-password index (its layout is described in breached-index.ts). */
import { writeSync } from 'node:fs';
import { BitWriter, bitsAt } from './bit-stream.ts';
import { dataOffset, encodeHeader, HASH_BYTES, type HashKind, type IndexHeader, OFFSET_BYTES, residualBits, tableOffset } from './breached-index.ts';

/**
 * Writes an index into an open file, hashes in ascending order (the caller checks the order).
 * Memory stays small: one bucket's hashes and a buffer of the table and of the data.
 */
export class IndexWriter {
  private readonly data: BitWriter;
  private dataBytes = 0;
  private readonly table = Buffer.alloc(OFFSET_BYTES * 65_536);
  private tableUsed = 0;
  /** The next bucket whose table entry is still to be written. */
  private nextTableBucket = 0;
  private bucket = -1;
  /** The current bucket's hashes, counts and kept values (grown as needed, reused). */
  private pool: Uint8Array;
  private counts = new Float64Array(1024);
  private values = new Float64Array(1024);
  private pending = 0;
  private hashes = 0;
  private entries = 0;
  private falsePositives = 0;

  constructor(
    private readonly fd: number,
    private readonly kind: HashKind,
    readonly bucketBits: number,
  ) {
    this.pool = new Uint8Array(HASH_BYTES[kind] * 1024);
    const start = dataOffset(bucketBits);
    this.data = new BitWriter((bytes) => {
      writeAll(fd, bytes, start + this.dataBytes);
      this.dataBytes += bytes.length;
    });
  }

  /** Adds one hash (HASH_BYTES[kind] bytes), not below the one before, with its count (≥ 1). */
  add(hash: Uint8Array, count: number): void {
    const bucket = this.bucketBits === 0 ? 0 : bitsAt(hash, 0, this.bucketBits);
    if (bucket !== this.bucket) {
      this.flushBucket();
      this.bucket = bucket;
    }
    const width = HASH_BYTES[this.kind];
    const n = this.pending;
    if (n === this.counts.length) this.grow();
    for (let i = 0, at = n * width; i < width; i++, at++) this.pool[at] = hash[i]!;
    this.counts[n] = count;
    this.pending = n + 1;
    this.hashes += 1;
  }

  /** Writes what is left and the header; the caller syncs and closes the file. */
  finish(builtAt: number): IndexHeader {
    this.flushBucket();
    this.data.end();
    this.tableEntriesUpTo(2 ** this.bucketBits);
    this.flushTable();
    const header: IndexHeader = {
      kind: this.kind,
      bucketBits: this.bucketBits,
      hashes: this.hashes,
      entries: this.entries,
      builtAt,
      dataBits: this.data.bits,
      falsePositiveRate: this.falsePositives / 2 ** this.bucketBits,
    };
    writeAll(this.fd, encodeHeader(header), 0);
    return header;
  }

  private grow(): void {
    const pool = new Uint8Array(this.pool.length * 2);
    pool.set(this.pool);
    this.pool = pool;
    for (const name of ['counts', 'values'] as const) {
      const larger = new Float64Array(this[name].length * 2);
      larger.set(this[name]);
      this[name] = larger;
    }
  }

  private flushBucket(): void {
    const n0 = this.pending;
    if (n0 === 0) return;
    this.tableEntriesUpTo(this.bucket);
    const width = HASH_BYTES[this.kind];
    const bits = residualBits(this.bucketBits, n0);
    const { values, counts } = this;
    // Hashes that agree on every kept bit become one entry, with the larger count.
    let n = 0;
    for (let i = 0; i < n0; i++) {
      const value = bitsAt(this.pool, i * width * 8 + this.bucketBits, bits);
      if (n > 0 && values[n - 1] === value) counts[n - 1] = Math.max(counts[n - 1]!, counts[i]!);
      else {
        values[n] = value;
        counts[n] = counts[i]!;
        n += 1;
      }
    }
    const k = riceParameter(values, n, bits);
    this.data.gamma(n);
    this.data.write(bits, 6);
    this.data.write(k, 6);
    let previous = 0;
    for (let i = 0; i < n; i++) {
      this.data.rice(values[i]! - previous, k);
      this.data.gamma(counts[i]!);
      previous = values[i]!;
    }
    this.entries += n;
    this.falsePositives += n / 2 ** bits;
    this.pending = 0;
  }

  /** Table entries for every bucket up to `bucket` (included) start at the data written so far. */
  private tableEntriesUpTo(bucket: number): void {
    while (this.nextTableBucket <= bucket) {
      this.table.writeUIntBE(this.data.bits, this.tableUsed, OFFSET_BYTES);
      this.tableUsed += OFFSET_BYTES;
      this.nextTableBucket += 1;
      if (this.tableUsed === this.table.length) this.flushTable();
    }
  }

  private flushTable(): void {
    const written = this.nextTableBucket - this.tableUsed / OFFSET_BYTES;
    writeAll(this.fd, this.table.subarray(0, this.tableUsed), tableOffset(written));
    this.tableUsed = 0;
  }
}

/** The Rice parameter that codes these sorted values' gaps in the fewest bits. */
function riceParameter(values: Float64Array, n: number, bits: number): number {
  const guess = Math.max(0, Math.floor(Math.log2(2 ** bits / (n + 1))));
  let best = guess;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const k of [guess - 1, guess, guess + 1]) {
    if (k < 0) continue;
    let cost = 0;
    let previous = 0;
    for (let i = 0; i < n; i++) {
      cost += Math.floor((values[i]! - previous) / 2 ** k) + 1 + k;
      previous = values[i]!;
    }
    if (cost < bestCost) [best, bestCost] = [k, cost];
  }
  return best;
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}
