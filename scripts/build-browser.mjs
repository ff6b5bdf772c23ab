#!/usr/bin/env node
// Bundles each browser script in src/web/browser/ (plain JavaScript modules that may import
// packages such as @simplewebauthn/browser or @zxcvbn-ts/core) into one self-contained file,
// src/web/static/<name>.bundle.js, served from the portal itself under `script-src 'self'`.
// The bundles are build output (git-ignored); the test runner, the demo and the build run this.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const sources = join(root, 'src', 'web', 'browser');
const entries = readdirSync(sources).filter((file) => file.endsWith('.js') && !file.endsWith('.test.js'));

await Promise.all(
  entries.map((file) =>
    build({
      entryPoints: [join(sources, file)],
      outfile: join(root, 'src', 'web', 'static', file.replace(/\.js$/, '.bundle.js')),
      bundle: true,
      format: 'iife',
      minify: true,
      target: ['es2020'],
      legalComments: 'eof',
      logLevel: 'warning',
    }),
  ),
);
