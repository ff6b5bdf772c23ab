/**
 * Importing the Pwned Passwords list into the index: the text the official downloader writes
 * (`HASH:count` lines, SHA-1 or NTLM, CRLF or LF, sorted by hash), plain or gzipped, read as a
 * stream. The new index is written to a temporary file in the index's folder, synced, and renamed
 * over the old one: a list that turns out bad half-way, or a crash, leaves the old index in force,
 * and a portal reading the old file keeps reading it until it notices the new one.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { LatchkeyError } from '../errors.ts';
import { bucketBitsFor, type HashKind, type IndexHeader } from './breached-index.ts';
import {
  BreachedIndexWrite,
  BreachedInputEmpty,
  BreachedInputFormat,
  BreachedInputMixed,
  BreachedInputTruncated,
  BreachedInputUnreadable,
  BreachedInputUnsorted,
} from './errors.ts';
import { IndexWriter } from './index-writer.ts';

/** Bytes of an average line: 40 or 32 hex digits, a colon, a count of 1–3 digits, CRLF. */
const LINE_BYTES: Readonly<Record<HashKind, number>> = { sha1: 45, ntlm: 37 };
/** How much gzip shrinks such a list at most, to guess the lines from a compressed file's size. */
const GZIP_RATIO = 2.5;
const GZIP_MAGIC = [0x1f, 0x8b];
const COLON = 0x3a;
const MAX_COUNT = 2 ** 32 - 1;
/** Lines between looks at the clock for progress. */
const PROGRESS_LINES = 1 << 16;
const PROGRESS_MS = 250;

const HEX = new Int8Array(256).fill(-1);
for (let digit = 0; digit < 16; digit++) {
  HEX['0123456789ABCDEF'.charCodeAt(digit)] = digit;
  HEX['0123456789abcdef'.charCodeAt(digit)] = digit;
}

export interface ImportOptions {
  /** The index file to replace. */
  indexFile: string;
  /** The input's name in messages. */
  inputName: string;
  /** About how many hashes the input holds (sets the bucket table's size). */
  expectedHashes: number;
  /** Called every so often with the lines read so far. */
  onProgress?: (hashes: number) => void;
  now?: () => number;
}

/** Reads `HASH:count` lines from `source` into a new index that replaces `options.indexFile`. */
export async function importBreachedList(source: AsyncIterable<Uint8Array>, options: ImportOptions): Promise<IndexHeader> {
  const { indexFile } = options;
  const temporary = join(dirname(indexFile), `.${basename(indexFile)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temporary, 'wx', 0o644);
  } catch (error) {
    throw BreachedIndexWrite({ file: indexFile, reason: (error as NodeJS.ErrnoException).code ?? String(error) }, { cause: error });
  }
  try {
    const parser = new ListParser(options.inputName, (kind) => new IndexWriter(fd, kind, bucketBitsFor(options.expectedHashes)));
    await parser.readAll(source, options.onProgress);
    const header = parser.finish((options.now ?? Date.now)());
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(temporary, indexFile);
    syncFolder(dirname(indexFile));
    return header;
  } catch (error) {
    if (fd >= 0) closeSync(fd);
    rmSync(temporary, { force: true });
    if (error instanceof LatchkeyError) throw error;
    throw BreachedIndexWrite({ file: indexFile, reason: (error as NodeJS.ErrnoException).code ?? String(error) }, { cause: error });
  }
}

/** The rename itself is durable only once the folder is synced. */
function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** What importing a file needs besides the file: where the index goes, and progress. */
export interface ImportFileOptions {
  indexFile: string;
  /** Called every so often with the input's bytes read, its size and the lines read. */
  onProgress?: (progress: { bytesRead: number; totalBytes: number; hashes: number }) => void;
  now?: () => number;
}

/** Imports the list in `file`, gzipped or not (told by its first bytes). */
export async function importBreachedFile(file: string, options: ImportFileOptions): Promise<IndexHeader> {
  const { gzipped, size, kind } = inspectInput(file);
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  const source = gzipped ? input.pipe(createGunzip({ chunkSize: 1 << 20 })) : input;
  input.on('error', (error) => source.destroy(error));
  const expected = (size * (gzipped ? GZIP_RATIO : 1)) / LINE_BYTES[kind];
  try {
    return await importBreachedList(source, {
      indexFile: options.indexFile,
      inputName: file,
      expectedHashes: expected,
      ...(options.onProgress ? { onProgress: (hashes) => options.onProgress!({ bytesRead: input.bytesRead, totalBytes: size, hashes }) } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  } finally {
    input.destroy();
  }
}

/** Whether the file is gzipped, its size, and the kind its size is best guessed for. */
function inspectInput(file: string): { gzipped: boolean; size: number; kind: HashKind } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw BreachedInputUnreadable({ file, reason: (error as NodeJS.ErrnoException).code ?? String(error) }, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw BreachedInputUnreadable({ file, reason: 'not a file' });
    const head = Buffer.alloc(48);
    const read = readSync(fd, head, 0, head.length, 0);
    const gzipped = read >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
    // A plain NTLM list's first line has its colon at 32; a guess is enough for a gzipped one.
    return { gzipped, size: stat.size, kind: !gzipped && head[32] === COLON ? 'ntlm' : 'sha1' };
  } finally {
    closeSync(fd);
  }
}

/** Splits the input into lines, checks each, and hands the hashes to the index writer. */
class ListParser {
  private kind: HashKind | null = null;
  private writer: IndexWriter | null = null;
  /** The hash of the line before, as bytes; the new line's replaces it as it is compared. */
  private readonly previous = new Uint8Array(20);
  private line = 0;

  constructor(
    private readonly file: string,
    private readonly makeWriter: (kind: HashKind) => IndexWriter,
  ) {}

  async readAll(source: AsyncIterable<Uint8Array>, onProgress?: (hashes: number) => void): Promise<void> {
    let carry: Buffer | null = null;
    let first = true;
    let lastProgress = performance.now();
    try {
      for await (const piece of source) {
        const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        // A byte-order mark, as some Windows tools write before UTF-8 text.
        let position = first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
        first = false;
        if (carry) {
          const newline = chunk.indexOf(10, position);
          if (newline < 0) {
            carry = Buffer.concat([carry, chunk.subarray(position)]);
            continue;
          }
          const joined: Buffer = Buffer.concat([carry, chunk.subarray(position, newline + 1)]);
          this.parseLine(joined, 0, joined.length - 1);
          position = newline + 1;
          carry = null;
        }
        for (let newline = chunk.indexOf(10, position); newline >= 0; newline = chunk.indexOf(10, position)) {
          this.parseLine(chunk, position, newline);
          position = newline + 1;
          if ((this.line & (PROGRESS_LINES - 1)) === 0 && onProgress && performance.now() - lastProgress >= PROGRESS_MS) {
            lastProgress = performance.now();
            onProgress(this.line);
          }
        }
        if (position < chunk.length) carry = Buffer.from(chunk.subarray(position));
      }
    } catch (error) {
      if (error instanceof LatchkeyError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      // zlib's words for a gzip stream that stops before its end.
      if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(String(error))) throw BreachedInputTruncated({ file: this.file, line: this.line + 1 });
      const reason = code === 'Z_DATA_ERROR' ? 'it starts as gzip but is not valid gzip data' : (code ?? (error as Error).message);
      throw BreachedInputUnreadable({ file: this.file, reason }, { cause: error });
    }
    if (carry) this.parseLastLine(carry);
    onProgress?.(this.line);
  }

  /** The writer's header once every line is in; an input without lines is refused. */
  finish(builtAt: number): IndexHeader {
    if (!this.writer) throw BreachedInputEmpty({ file: this.file });
    return this.writer.finish(builtAt);
  }

  /** A last line without a line ending: whole, or the sign of a download cut short. */
  private parseLastLine(bytes: Buffer): void {
    try {
      this.parseLine(bytes, 0, bytes.length);
    } catch (error) {
      if (BreachedInputFormat.is(error)) throw BreachedInputTruncated({ file: this.file, line: this.line });
      throw error;
    }
  }

  /** Checks the line bytes[start, end) (its line feed excluded) and adds its hash. */
  private parseLine(bytes: Buffer, start: number, lineEnd: number): void {
    this.line += 1;
    const end = lineEnd > start && bytes[lineEnd - 1] === 13 ? lineEnd - 1 : lineEnd;
    const colon = bytes.indexOf(COLON, start);
    if (colon < 0 || colon >= end) this.fail('no colon and count after the hash');
    const digits = colon - start;
    if (digits !== 40 && digits !== 32) this.fail(`${digits} characters before the colon where SHA-1 has 40 hex digits and NTLM 32`);
    const count = this.count(bytes, colon + 1, end);
    const kind: HashKind = digits === 40 ? 'sha1' : 'ntlm';
    if (!this.kind) {
      this.kind = kind;
      this.writer = this.makeWriter(kind);
    } else if (kind !== this.kind) {
      throw BreachedInputMixed({ file: this.file, line: this.line, first: label(this.kind), found: label(kind) });
    }
    this.takeHash(bytes, start, digits);
    this.writer!.add(this.previous, count);
  }

  private count(bytes: Buffer, start: number, end: number): number {
    if (start === end) this.fail('no count after the colon');
    if (end - start > 10) this.fail('a count too large');
    let count = 0;
    for (let i = start; i < end; i++) {
      const digit = bytes[i]! - 48;
      if (digit < 0 || digit > 9) this.fail('a count that is not a whole number');
      count = count * 10 + digit;
    }
    if (count < 1 || count > MAX_COUNT) this.fail(count < 1 ? 'a count of 0' : 'a count too large');
    return count;
  }

  /** Reads the hash into `previous`, refusing one that does not come after the hash before it. */
  private takeHash(bytes: Buffer, start: number, digits: number): void {
    const previous = this.previous;
    // 1: already greater than the line before (or the first line); 0: equal so far.
    let order = this.line === 1 ? 1 : 0;
    for (let i = 0, at = start; i < digits >> 1; i++, at += 2) {
      const high = HEX[bytes[at]!]!;
      const low = HEX[bytes[at + 1]!]!;
      if ((high | low) < 0) this.fail('a character that is no hex digit in the hash');
      const byte = (high << 4) | low;
      if (order === 0 && byte !== previous[i]) {
        if (byte < previous[i]!) throw BreachedInputUnsorted({ file: this.file, line: this.line });
        order = 1;
      }
      previous[i] = byte;
    }
    if (order === 0) throw BreachedInputUnsorted({ file: this.file, line: this.line });
  }

  private fail(reason: string): never {
    throw BreachedInputFormat({ file: this.file, line: this.line, reason });
  }
}

function label(kind: HashKind): string {
  return kind === 'sha1' ? 'SHA-1' : 'NTLM';
}
