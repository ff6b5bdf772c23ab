#!/usr/bin/env node
// Bundles each browser script in src/web/browser/ (plain JavaScript modules that may import
// packages such as @simplewebauthn/browser or @zxcvbn-ts/core) into one self-contained file,
// src/web/static/<name>.bundle.js, served from the portal itself under `script-src 'self'`,
// with its brotli (.br) and gzip (.gz) siblings beside it, which the portal sends to browsers
// that accept them (src/web/assets.ts). The bundles are build output (git-ignored); the test
// runner, the demo and the build run this.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const sources = join(root, 'src', 'web', 'browser');
const entries = readdirSync(sources).filter((file) => file.endsWith('.js') && !file.endsWith('.test.js'));

/** The compressed siblings: their extension, and how to make and read one. */
const COMPRESSIONS = [
  {
    extension: '.br',
    // Quality 11 takes a second or two on the largest bundle, once per change of it (see below).
    compress: (bytes) =>
      brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 11,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }),
    decompress: brotliDecompressSync,
  },
  { extension: '.gz', compress: (bytes) => gzipSync(bytes, { level: 9 }), decompress: gunzipSync },
];

/** Writes the compressed siblings of `file`, unless one already holds exactly its bytes (the test runner builds at every run). */
function writeCompressed(file) {
  const bytes = readFileSync(file);
  for (const { extension, compress, decompress } of COMPRESSIONS) {
    const sibling = file + extension;
    if (existsSync(sibling) && sameBytes(() => decompress(readFileSync(sibling)), bytes)) continue;
    writeFileSync(sibling, compress(bytes));
  }
}

function sameBytes(read, bytes) {
  try {
    return read().equals(bytes);
  } catch {
    return false;
  }
}

await Promise.all(
  entries.map(async (file) => {
    const outfile = join(root, 'src', 'web', 'static', file.replace(/\.js$/, '.bundle.js'));
    await build({
      entryPoints: [join(sources, file)],
      outfile,
      bundle: true,
      format: 'iife',
      minify: true,
      target: ['es2020'],
      legalComments: 'eof',
      logLevel: 'warning',
    });
    writeCompressed(outfile);
  }),
);
