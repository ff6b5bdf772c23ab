/**
 * The breached-password index: a compact file of the Pwned Passwords hashes (SHA-1 or NTLM) and
 * their counts, read a few hundred bytes at a time at known offsets, never loaded whole.
 *
 * Layout: a 64-byte header (magic, version, hash kind, bucket bits, hashes and entries, build
 * time, data length, the expected false-positive rate, a CRC-32 of the header), then a bucket
 * table of 2^B + 1 five-byte big-endian bit offsets, then the data: one bit string per bucket.
 * Bucket b holds the hashes whose top B bits are b (B is chosen so that an average bucket holds
 * 64 to 128 hashes). A lookup reads the two table entries of its bucket (10 bytes) and then the
 * bucket itself (about 300 bytes), and decodes it.
 *
 * A bucket of n hashes keeps R bits of each hash after the bucket bits, R chosen from n alone so
 * that B + R is a whole number of hex digits and 2^R ≥ 2^20 · (n + 1): an absent hash then
 * matches one of the bucket's n kept values with probability n / 2^R < 2^-20 ≈ 9.5 · 10^-7,
 * however large the list (the header records the rate the file gives: with the rounding to hex
 * digits, about 3.6 · 10^-7 for 10^8 hashes and 2.2 · 10^-7 for 10^9). Two listed hashes that
 * agree on all kept bits are stored once with the larger count. The kept values, sorted, are
 * stored as gaps in a Rice code (the parameter chosen per bucket), each followed by its exact
 * count in an Elias gamma code (1 bit for a count of 1, 3 for 2–3, 5 for 4–7 …). A bucket starts
 * with its entry count (gamma), R (6 bits) and the Rice parameter (6 bits). About 3.3 bytes a
 * hash in all (bench/breached-index.ts; README, Performance).
 *
 * Why this and not sorted fixed-width residuals: the gaps between n sorted random values cost
 * about log2(2^R/n) + 1.5 bits in a Rice code, against R bits fixed: about 8 bits less per hash
 * for a 2^30-hash list, which pays for exact counts. Decoding a whole bucket (there is no random
 * access inside one) takes a few microseconds. The reads are synchronous: two small reads served
 * from the page cache take less time than one round trip through libuv's thread pool.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { BitReader, BitsExhausted, bitLength, bitsAt } from './bit-stream.ts';
import { BreachedIndexCorrupt } from './errors.ts';
import type { RangeEntry } from './screen.ts';

/** The hash a list is made of: SHA-1 (the usual download) or NTLM (the downloader's `-n`). */
export type HashKind = 'sha1' | 'ntlm';

export const HASH_BYTES: Readonly<Record<HashKind, number>> = { sha1: 20, ntlm: 16 };

const KIND_CODES: readonly HashKind[] = ['sha1', 'ntlm'];
const MAGIC = Buffer.from('LKBREACH');
const VERSION = 1;
const HEADER_BYTES = 64;
/** Table entries are bit offsets into the data: 40 bits address 128 GB. */
export const OFFSET_BYTES = 5;
/** Each bucket keeps enough bits that an absent hash is found with probability below 2^-20. */
export const FALSE_POSITIVE_BITS = 20;
/** Hashes in an average bucket: between half this and this. */
const BUCKET_TARGET = 128;
const MAX_BUCKET_BITS = 30;
/** Kept bits that bitsAt can still return exactly: far more than any bucket needs. */
const MAX_RESIDUAL_BITS = 53;

/** What the header says about an index. */
export interface IndexHeader {
  kind: HashKind;
  bucketBits: number;
  /** Lines of the list imported. */
  hashes: number;
  /** Entries stored (fewer than hashes only when two agreed on every kept bit). */
  entries: number;
  /** When it was built (ms since the epoch). */
  builtAt: number;
  dataBits: number;
  /** The chance that an absent hash is found, for this file's buckets. */
  falsePositiveRate: number;
}

/** Which file an open index is: a new file at the same path has another identity. */
export interface FileIdentity {
  ino: number;
  mtimeMs: number;
  size: number;
}

/** The bucket bits for about `expected` hashes. */
export function bucketBitsFor(expected: number): number {
  return Math.min(MAX_BUCKET_BITS, Math.max(0, Math.ceil(Math.log2(Math.max(1, expected) / BUCKET_TARGET))));
}

/** The bits a bucket of `n` entries keeps after the `bucketBits`. */
export function residualBits(bucketBits: number, n: number): number {
  return Math.ceil((bucketBits + bitLength(n) + FALSE_POSITIVE_BITS) / 4) * 4 - bucketBits;
}

/** Where bucket `bucket`'s table entry is. */
export function tableOffset(bucket: number): number {
  return HEADER_BYTES + bucket * OFFSET_BYTES;
}

/** Where the data starts, after the header and the table. */
export function dataOffset(bucketBits: number): number {
  return tableOffset(2 ** bucketBits + 1);
}

/** The header's 64 bytes, with their CRC-32. */
export function encodeHeader(header: IndexHeader): Buffer {
  const bytes = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt16BE(VERSION, 8);
  bytes.writeUInt8(KIND_CODES.indexOf(header.kind) + 1, 10);
  bytes.writeUInt8(header.bucketBits, 11);
  bytes.writeBigUInt64BE(BigInt(header.hashes), 16);
  bytes.writeBigUInt64BE(BigInt(header.entries), 24);
  bytes.writeBigUInt64BE(BigInt(header.builtAt), 32);
  bytes.writeBigUInt64BE(BigInt(header.dataBits), 40);
  bytes.writeDoubleBE(header.falsePositiveRate, 48);
  bytes.writeUInt32BE(crc32(bytes.subarray(0, 60)), 60);
  return bytes;
}

/** The header's facts, or why these bytes are no index header. */
function decodeHeader(bytes: Buffer): IndexHeader | string {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(MAGIC)) return 'not a breached-password index';
  if (bytes.readUInt16BE(8) !== VERSION) return `made by another version of Latchkey (format ${bytes.readUInt16BE(8)})`;
  if (bytes.readUInt32BE(60) !== crc32(bytes.subarray(0, 60))) return 'its header is damaged';
  const kind = KIND_CODES[bytes.readUInt8(10) - 1];
  const bucketBits = bytes.readUInt8(11);
  if (!kind || bucketBits > MAX_BUCKET_BITS) return 'its header is damaged';
  return {
    kind,
    bucketBits,
    hashes: Number(bytes.readBigUInt64BE(16)),
    entries: Number(bytes.readBigUInt64BE(24)),
    builtAt: Number(bytes.readBigUInt64BE(32)),
    dataBits: Number(bytes.readBigUInt64BE(40)),
    falsePositiveRate: bytes.readDoubleBE(48),
  };
}

/** One open index file: lookups read the bytes they need from it. */
export class IndexFile {
  private scratch = Buffer.allocUnsafe(4096);
  private readonly dataStart: number;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly header: IndexHeader,
    readonly identity: FileIdentity,
  ) {
    this.dataStart = dataOffset(header.bucketBits);
  }

  /** Opens and checks the index at `path`; throws LK_BREACHED_INDEX_CORRUPT for anything else. */
  static open(path: string): IndexFile {
    const fd = openSync(path, 'r');
    try {
      const stat = fstatSync(fd);
      const head = Buffer.alloc(HEADER_BYTES);
      const header = decodeHeader(head.subarray(0, readSync(fd, head, 0, HEADER_BYTES, 0)));
      if (typeof header === 'string') throw BreachedIndexCorrupt({ file: path, reason: header });
      const expected = dataOffset(header.bucketBits) + Math.ceil(header.dataBits / 8);
      if (stat.size !== expected) {
        throw BreachedIndexCorrupt({ file: path, reason: `${stat.size} bytes where its header promises ${expected}: cut short or damaged` });
      }
      const file = new IndexFile(path, fd, header, { ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size });
      const [first, last] = [file.tableEntry(0), file.tableEntry(2 ** header.bucketBits)];
      if (first !== 0 || last !== header.dataBits) throw file.corrupt('its bucket table is damaged');
      return file;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** The count of `hash` (HASH_BYTES[kind] bytes), or 0 when it is not listed. */
  count(hash: Uint8Array): number {
    const bucketBits = this.header.bucketBits;
    const bucket = bucketBits === 0 ? 0 : bitsAt(hash, 0, bucketBits);
    return this.decode(bucket, bucket, (_bucket, bits) => {
      const target = bitsAt(hash, bucketBits, bits);
      return (value, count) => (value === target ? count : value > target ? 0 : undefined);
    });
  }

  /** The entries whose hash starts with the 20 bits of `prefix` (a SHA-1 index's k-anonymity range). */
  range(prefix: number): RangeEntry[] {
    const bucketBits = this.header.bucketBits;
    const [first, last] =
      bucketBits <= 20
        ? [prefix >>> (20 - bucketBits), prefix >>> (20 - bucketBits)]
        : [prefix * 2 ** (bucketBits - 20), (prefix + 1) * 2 ** (bucketBits - 20) - 1];
    const found: RangeEntry[] = [];
    this.decode(first, last, (bucket, bits) => {
      const keyBits = BigInt(bucketBits + bits);
      const restBits = keyBits - 20n;
      return (value, count) => {
        const key = (BigInt(bucket) << BigInt(bits)) | BigInt(value);
        if (key >> restBits === BigInt(prefix)) {
          const suffix = (key & ((1n << restBits) - 1n))
            .toString(16)
            .toUpperCase()
            .padStart(Number(restBits) / 4, '0');
          found.push({ suffix, count });
        }
        return undefined;
      };
    });
    return found;
  }

  close(): void {
    closeSync(this.fd);
  }

  /**
   * Reads the buckets first…last in one read and passes each entry to the visitor made for its
   * bucket; the first value a visitor returns ends the walk and is returned (0 when none does).
   */
  private decode(first: number, last: number, visitor: (bucket: number, bits: number) => (value: number, count: number) => number | undefined): number {
    const offsets = this.readAt(tableOffset(first), (last - first + 2) * OFFSET_BYTES);
    const startBit = offsets.readUIntBE(0, OFFSET_BYTES);
    const endBit = offsets.readUIntBE((last - first + 1) * OFFSET_BYTES, OFFSET_BYTES);
    if (startBit > endBit || endBit > this.header.dataBits) throw this.corrupt('its bucket table is damaged');
    if (startBit === endBit) return 0;
    const bucketOffsets = Array.from({ length: last - first + 2 }, (_, i) => offsets.readUIntBE(i * OFFSET_BYTES, OFFSET_BYTES));
    const firstByte = Math.floor(startBit / 8);
    const bytes = this.readAt(this.dataStart + firstByte, Math.ceil(endBit / 8) - firstByte);
    try {
      for (let bucket = first; bucket <= last; bucket++) {
        const [from, to] = [bucketOffsets[bucket - first]!, bucketOffsets[bucket - first + 1]!];
        if (from === to) continue;
        if (from > to) throw this.corrupt('its bucket table is damaged');
        const reader = new BitReader(bytes, from - firstByte * 8, to - firstByte * 8);
        const n = reader.gamma();
        const bits = reader.read(6);
        const k = reader.read(6);
        if (bits > MAX_RESIDUAL_BITS || (this.header.bucketBits + bits) % 4 !== 0) throw this.corrupt(`bucket ${bucket} is damaged`);
        const visit = visitor(bucket, bits);
        let value = 0;
        for (let i = 0; i < n; i++) {
          value += reader.rice(k);
          const answer = visit(value, reader.gamma());
          if (answer !== undefined) return answer;
        }
        if (reader.remaining !== 0) throw this.corrupt(`bucket ${bucket} is damaged`);
      }
    } catch (error) {
      if (error instanceof BitsExhausted) throw this.corrupt('a bucket runs past its end');
      throw error;
    }
    return 0;
  }

  private tableEntry(bucket: number): number {
    return this.readAt(tableOffset(bucket), OFFSET_BYTES).readUIntBE(0, OFFSET_BYTES);
  }

  /** `length` bytes at `position`, in a buffer reused by the next read. */
  private readAt(position: number, length: number): Buffer {
    if (length > this.scratch.length) this.scratch = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(length)));
    const read = readSync(this.fd, this.scratch, 0, length, position);
    if (read !== length) throw this.corrupt('it is shorter than it was when opened');
    return this.scratch.subarray(0, length);
  }

  private corrupt(reason: string) {
    return BreachedIndexCorrupt({ file: this.path, reason });
  }
}
