#!/usr/bin/env node
// Builds the Debian package build/latchkey_<version>_<arch>.deb: the built portal (dist/), its
// production node_modules, the Node.js runtime it was built against, the `latchkey` command,
// the systemd unit (docs/latchkey.service) and the maintainer scripts of packaging/deb/.
//   npm run package [-- --version 0.1.0+2]
// Debian 12 ships Node 18, which Latchkey does not support: the package carries the newest LTS
// runtime CI tests (scripts/node-versions; the npm registry's node-linux-<arch>), the one its
// native modules were installed for.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The Node.js runtime the package carries (the newest tested); a Node security release is a new package. */
const NODE_VERSION = /^newest=(\S+)$/m.exec(readFileSync(join(fileURLToPath(import.meta.url), '..', 'node-versions'), 'utf8'))[1];
/** Node's name for the machine's architecture → Debian's; the native modules are built here, for it. */
const DEBIAN_ARCH = { x64: 'amd64', arm64: 'arm64' };
/** Where the package installs the portal. */
const APP_DIR = 'usr/lib/latchkey';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const build = join(root, 'build');

/** A package.json version as a Debian one: a pre-release sorts before its release (1.0.0~rc.1 < 1.0.0). */
function debianVersion(version) {
  if (!/^\d+\.\d+\.\d+([-+][0-9A-Za-z.+~-]+)?$/.test(version)) throw new Error(`package: ${version} is not a version`);
  return version.replace(/-/g, '~');
}

/** Runs a command, failing the build with its name when it fails. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`package: ${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
}

/** The unpacked runtime for `arch` (bin/node and the headers native modules build against), fetched once. */
function nodeRuntime(arch) {
  const dir = join(build, 'cache', `node-linux-${arch}-${NODE_VERSION}`);
  if (existsSync(join(dir, 'bin', 'node'))) return dir;
  const cache = join(build, 'cache');
  mkdirSync(cache, { recursive: true });
  run('npm', ['pack', `node-linux-${arch}@${NODE_VERSION}`, '--pack-destination', cache, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const unpacking = `${dir}.partial`;
  rmSync(unpacking, { recursive: true, force: true });
  mkdirSync(unpacking);
  run('tar', ['-xzf', join(cache, `node-linux-${arch}-${NODE_VERSION}.tgz`), '-C', unpacking, '--strip-components=1']);
  renameSync(unpacking, dir);
  return dir;
}

/**
 * The production node_modules, installed by `npm ci --omit=dev` under the carried runtime and
 * kept per lock file and runtime: a second build with the same ones (an upgrade test) installs nothing.
 */
function productionModules(runtime, arch) {
  const lock = readFileSync(join(root, 'package-lock.json'), 'utf8');
  const key = createHash('sha256').update(lock).update(`${NODE_VERSION} ${arch}`).digest('hex').slice(0, 16);
  const dir = join(build, 'cache', `modules-${key}`);
  if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules');
  const installing = `${dir}.partial`;
  rmSync(installing, { recursive: true, force: true });
  mkdirSync(installing, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(root, file), join(installing, file));
  run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], {
    cwd: installing,
    // Headers of the carried runtime, not the machine's (~/.npmrc may name /usr), should a module compile.
    env: { ...process.env, PATH: `${join(runtime, 'bin')}:${process.env.PATH}`, npm_config_nodedir: runtime },
  });
  // better-sqlite3 ships one Node-API binary per platform and its SQLite sources: only this
  // machine's binary is loaded.
  const sqlite = join(installing, 'node_modules', 'better-sqlite3');
  for (const binary of readdirSync(join(sqlite, 'prebuilds'))) if (binary !== `linux-${arch}.node`) rmSync(join(sqlite, 'prebuilds', binary));
  for (const unused of ['deps', 'src']) rmSync(join(sqlite, unused), { recursive: true, force: true });
  renameSync(installing, dir);
  return join(dir, 'node_modules');
}

/** Fails the build, not the admin's first start, when a native module does not load under the runtime. */
function checkNativeModules(appDir) {
  const probe = [
    "const Database = require('better-sqlite3'); new Database(':memory:').prepare('select 1').get();",
    "require('@node-rs/argon2').hashSync('probe');",
  ].join('');
  run(join(appDir, 'node', 'bin', 'node'), ['-e', probe], { cwd: appDir });
}

/** Installed-Size: the tree's size in KiB, as dpkg-gencontrol counts it (each file rounded up). */
function installedSizeKiB(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += Math.ceil(statSync(join(entry.parentPath, entry.name)).size / 1024);
    else total += 1;
  }
  return total;
}

function main() {
  const { values } = parseArgs({ options: { version: { type: 'string' } } });
  const version = debianVersion(values.version ?? JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  const arch = DEBIAN_ARCH[process.arch];
  if (!arch) throw new Error(`package: no Debian package for ${process.arch} machines`);
  process.umask(0o022);

  run(process.execPath, [join(root, 'scripts', 'build.mjs')]);
  const runtime = nodeRuntime(process.arch);
  const modules = productionModules(runtime, process.arch);

  const tree = join(build, 'staging');
  rmSync(tree, { recursive: true, force: true });
  const app = join(tree, APP_DIR);
  const place = (from, to, mode) => {
    cpSync(from, join(tree, to), { recursive: true });
    if (mode) chmodSync(join(tree, to), mode);
  };
  // The cached modules are linked, not copied: dpkg-deb only reads them.
  mkdirSync(app, { recursive: true });
  run('cp', ['-al', modules, join(app, 'node_modules')]);
  place(join(root, 'dist'), join(APP_DIR, 'dist'));
  place(join(root, 'package.json'), join(APP_DIR, 'package.json'));
  place(join(runtime, 'bin', 'node'), join(APP_DIR, 'node', 'bin', 'node'), 0o755);
  place(join(runtime, 'LICENSE'), join(APP_DIR, 'node', 'LICENSE'));
  place(join(root, 'packaging', 'deb', 'latchkey'), 'usr/bin/latchkey', 0o755);
  place(join(root, 'docs', 'latchkey.service'), 'lib/systemd/system/latchkey.service', 0o644);
  place(join(root, 'packaging', 'deb', 'latchkey.yaml'), 'etc/latchkey/latchkey.yaml', 0o640);
  place(join(root, 'README.md'), 'usr/share/doc/latchkey/README.md');
  place(join(root, 'docs', 'nginx.conf'), 'usr/share/doc/latchkey/examples/nginx.conf');
  checkNativeModules(app);

  const control = join(tree, 'DEBIAN');
  mkdirSync(control);
  for (const script of ['postinst', 'prerm', 'postrm', 'conffiles']) place(join(root, 'packaging', 'deb', script), join('DEBIAN', script));
  const fields = { VERSION: version, ARCH: arch, INSTALLED_SIZE: String(installedSizeKiB(tree) - installedSizeKiB(control)), NODE_VERSION };
  const template = readFileSync(join(root, 'packaging', 'deb', 'control'), 'utf8');
  writeFileSync(
    join(control, 'control'),
    template.replace(/@([A-Z_]+)@/g, (_, name) => fields[name]),
  );

  const deb = join(build, `latchkey_${version}_${arch}.deb`);
  // gzip: xz would make the file a third smaller and the build several times slower.
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.stdout.write(`${relative(process.cwd(), deb)}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
