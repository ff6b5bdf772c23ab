/**
 * Small Pwned Passwords lists for tests: hashes made from words (so that they are the same in
 * every run), written as the downloader writes them, and imported into an index in a folder; and
 * a range service on loopback that knows a few passwords.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { md4 } from 'hash-wasm';
import { importBreachedFile, importBreachedList } from '../passwords/breached-import.ts';
import type { IndexHeader } from '../passwords/breached-index.ts';

/** One line of a list: the hash in upper-case hex and its count. */
export interface ListEntry {
  hash: string;
  count: number;
}

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();
}

export async function ntlmHex(text: string): Promise<string> {
  return (await md4(Buffer.from(text, 'utf16le'))).toUpperCase();
}

/** `n` distinct SHA-1 hashes of made-up words, sorted, with counts mostly small as in the real list. */
export function madeUpEntries(n: number, tag = 'word'): ListEntry[] {
  return Array.from({ length: n }, (_, i) => ({ hash: sha1Hex(`${tag}-${i}`), count: 1 + (i % 5 === 0 ? (i * 7919) % 100_000 : i % 4) })).sort((a, b) =>
    a.hash < b.hash ? -1 : 1,
  );
}

/** The list's text: `HASH:count` lines with `newline` after each (also after the last, unless told). */
export function listText(entries: readonly ListEntry[], options: { newline?: string; finalNewline?: boolean } = {}): string {
  const newline = options.newline ?? '\r\n';
  const text = entries.map((entry) => `${entry.hash}:${entry.count}`).join(newline);
  return options.finalNewline === false ? text : text + newline;
}

/** Imports `entries` (sorted) into `indexFile`; `expectedHashes` defaults to their number. */
export function importEntries(indexFile: string, entries: readonly ListEntry[], expectedHashes = entries.length): Promise<IndexHeader> {
  return importBreachedList(pieces(Buffer.from(listText(entries))), { indexFile, inputName: 'test list', expectedHashes });
}

/**
 * A list as the Pwned Passwords downloader writes it (`pwnedpasswords.txt` beside `indexFile`):
 * `fillers` made-up hashes, the SHA-1 of each `listed` password with its count, and the `hashes`
 * given, sorted; imported into `indexFile` as `latchkey breached import` does.
 */
export async function importPasswordList(
  indexFile: string,
  listed: Record<string, number>,
  { fillers = 2000, hashes = [] }: { fillers?: number; hashes?: readonly ListEntry[] } = {},
): Promise<IndexHeader> {
  const entries = [...madeUpEntries(fillers, 'filler'), ...hashes, ...Object.entries(listed).map(([password, count]) => ({ hash: sha1Hex(password), count }))];
  entries.sort((a, b) => (a.hash < b.hash ? -1 : 1));
  const listFile = join(dirname(indexFile), 'pwnedpasswords.txt');
  writeFileSync(listFile, listText(entries));
  return importBreachedFile(listFile, { indexFile });
}

/** Made-up hashes that share the first five hex digits of `password`'s SHA-1 (not it): a full list has hundreds under every prefix. */
export function neighboursOf(password: string, n = 3): ListEntry[] {
  const prefix = sha1Hex(password).slice(0, 5);
  return Array.from({ length: n }, (_, i) => ({ hash: prefix + sha1Hex(`neighbour:${password}:${i}`).slice(5), count: i + 1 }));
}

/** The bytes in pieces of odd sizes, so that lines straddle pieces. */
async function* pieces(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let start = 0; start < bytes.length; start += 4099) yield bytes.subarray(start, start + 4099);
}

/** A hash in hex as bytes. */
export function hashBytes(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

/** A running range service: its URL (ending in /) and its stop. */
export interface RangeService {
  url: string;
  close(): Promise<void>;
}

/** A range service on loopback knowing `listed` (password → count), answering with a padding entry too. */
export async function rangeService(listed: Record<string, number>): Promise<RangeService> {
  const hashes = Object.entries(listed).map(([password, count]) => ({ hash: sha1Hex(password), count }));
  const server = createServer((request, response) => {
    const prefix = request.url!.split('/').at(-1)!;
    const lines = hashes.filter((entry) => entry.hash.startsWith(prefix)).map((entry) => `${entry.hash.slice(5)}:${entry.count}`);
    response.end([...lines, `${'0'.repeat(35)}:0`].join('\r\n'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/range/`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
