#!/usr/bin/env node
// Builds dist/: the TypeScript compiled to JavaScript, plus the web assets it reads at run time.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const bundles = spawnSync(process.execPath, [join(root, 'scripts', 'build-browser.mjs')], { cwd: root, stdio: 'inherit' });
if (bundles.status !== 0) process.exit(bundles.status ?? 1);
for (const assets of ['web/views', 'web/static', 'i18n/strings']) {
  cpSync(join(root, 'src', assets), join(root, 'dist', assets), { recursive: true });
}
