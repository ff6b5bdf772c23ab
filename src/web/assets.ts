/**
 * The static files (style sheet, icon, the audit viewer's script) under URLs that carry a hash
 * of their contents, so that browsers and proxies may keep them for a year: a changed file gets
 * a new URL. The hashes are taken at start-up from the files themselves, wherever they are run
 * from (src/ or dist/). Templates name a file through `it.asset('latchkey.css')`.
 *
 * A file may have compressed siblings made at build time (`x.bundle.js.br`, `x.bundle.js.gz`,
 * see scripts/build-browser.mjs): a browser that accepts brotli or gzip gets one of them (with
 * Content-Encoding and Vary), any other the file itself. The siblings have no URL of their own.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where the static files are served. */
const PREFIX = '/static/';
/** Hex digits of the SHA-256 of the contents kept in a URL: 64 bits, plenty to tell versions apart. */
const HASH_LENGTH = 16;
/** A hashed URL names one version of a file for ever. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The static files of one folder, each under its hashed URL. */
export interface StaticAssets {
  /** The URL of a file by its name, e.g. `/static/latchkey.0123456789abcdef.css`; throws for a file that is not there. */
  url(name: string): string;
}

/** The compressed siblings a file may have, and how each is read back. */
const COMPRESSED: Readonly<Record<string, (bytes: Buffer) => Buffer>> = { '.br': brotliDecompressSync, '.gz': gunzipSync };

const isCompressedSibling = (name: string) => Object.keys(COMPRESSED).includes(extname(name));

/**
 * A sibling that is not the file compressed (left from an older build) would be kept by browsers
 * for a year under the file's hashed URL: the start is refused instead.
 */
function checkSiblings(dir: string, name: string, bytes: Buffer): void {
  for (const [extension, decompress] of Object.entries(COMPRESSED)) {
    const sibling = join(dir, name + extension);
    if (!existsSync(sibling)) continue;
    let same = false;
    try {
      same = decompress(readFileSync(sibling)).equals(bytes);
    } catch {
      // not readable as that compression: not the same either
    }
    if (!same) throw new Error(`${sibling} is not ${name} compressed (left from an older build): run node scripts/build-browser.mjs again`);
  }
}

/** Hashes every file of `dir`: its name → its hashed name, e.g. `latchkey.css` → `latchkey.0123456789abcdef.css`. */
function hashedNames(dir: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || isCompressedSibling(entry.name)) continue;
    const bytes = readFileSync(join(dir, entry.name));
    checkSiblings(dir, entry.name, bytes);
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, HASH_LENGTH);
    const ext = extname(entry.name);
    names.set(entry.name, `${entry.name.slice(0, entry.name.length - ext.length)}.${hash}${ext}`);
  }
  return names;
}

/**
 * Serves the files of `dir` at their hashed URLs with a year-long cache, and returns how to name
 * them. A file's plain URL (`/static/latchkey.css`) redirects to the current hashed one, so that
 * a template override written before the hashes still finds its style sheet.
 */
export async function staticAssets(app: FastifyInstance, dir: string): Promise<StaticAssets> {
  const hashed = hashedNames(dir);
  const files = new Map([...hashed].map(([name, hashedName]) => [hashedName, name]));
  // preCompressed: sendFile picks x.br or x.gz by Accept-Encoding when there is one, and says Vary.
  await app.register(fastifyStatic, { root: dir, serve: false, preCompressed: true });
  app.get(`${PREFIX}:name`, async (request, reply) => {
    const { name } = request.params as { name: string };
    const file = files.get(name);
    if (file) return reply.header('cache-control', IMMUTABLE).sendFile(file, { cacheControl: false });
    const current = hashed.get(name);
    if (current) return reply.redirect(`${PREFIX}${current}`, 302);
    return reply.callNotFound();
  });
  return {
    url(name) {
      const hashedName = hashed.get(name);
      if (!hashedName) throw new Error(`no static file ${name} in ${dir}`);
      return `${PREFIX}${hashedName}`;
    },
  };
}
