#!/usr/bin/env node
// Runs every *.test.ts under src/ with node:test through tsx (Node 20's --test does not expand
// globs). Arguments narrow the run to files whose path contains one of them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const filters = process.argv.slice(2);
const files = readdirSync(join(root, 'src'), { recursive: true })
  .map(String)
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => relative(root, join(root, 'src', file)))
  .filter((file) => filters.length === 0 || filters.some((part) => file.includes(part)))
  .sort();

if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(1);
}

// The browser scripts' bundles are build output that the pages name; make them first.
const bundles = spawnSync(process.execPath, [join(root, 'scripts', 'build-browser.mjs')], { cwd: root, stdio: 'inherit' });
if (bundles.status !== 0) process.exit(bundles.status ?? 1);

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
