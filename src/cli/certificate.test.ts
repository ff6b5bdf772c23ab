/**
 * `latchkey certificate export` and `import` as an admin runs them: init's certificate out of one
 * portal's data folder into another's, the password from LATCHKEY_PFX_PASSWORD; mistakes end
 * with a coded error and no stack trace.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, scratchFolder, writeConfig } from '../testing/cli.ts';

const { dir, remove } = scratchFolder();
after(remove);
const PFX_PASSWORD = { LATCHKEY_PFX_PASSWORD: 'correct horse battery' };
const latchkey = (args: string[], env: Record<string, string> = {}) => runCli(args, { env, cwd: dir });
const NO_STACK = /\s+at \S+:\d+:\d+/;

/** A config whose data folder is `<dir>/<name>/data`. */
function portal(name: string): string {
  mkdirSync(join(dir, name));
  return writeConfig(join(dir, name, 'latchkey.yaml'));
}

test('export from one data folder, import into another: the same certificate, the PFX 0600', async () => {
  const source = portal('source');
  const target = portal('target');
  assert.equal((await latchkey(['init', '--config', source])).code, 0);
  const served = new X509Certificate(readFileSync(join(dir, 'source', 'data', 'tls', 'cert.pem'))).fingerprint256;
  const pfx = join(dir, 'web.pfx');

  const exported = await latchkey(['certificate', 'export', '--file', pfx, '--config', source], PFX_PASSWORD);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, new RegExp(served));
  assert.equal(statSync(pfx).mode & 0o777, 0o600);

  const wrong = await latchkey(['certificate', 'import', '--file', pfx, '--config', target], { LATCHKEY_PFX_PASSWORD: 'another password' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /LK_PFX_PASSWORD\]/);
  assert.doesNotMatch(wrong.stderr, NO_STACK);

  const imported = await latchkey(['certificate', 'import', '--file', pfx, '--config', target], PFX_PASSWORD);
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(new X509Certificate(readFileSync(join(dir, 'target', 'data', 'tls', 'cert.pem'))).fingerprint256, served);
});

test('a missing action or --file is a usage error; without a password or a terminal, a coded error', async () => {
  for (const args of [['certificate'], ['certificate', 'renew', '--file', 'x.pfx'], ['certificate', 'export']]) {
    const { code, stderr } = await latchkey(args);
    assert.equal(code, 2, args.join(' '));
    assert.match(stderr, /LK_CLI_USAGE/);
  }
  const { code, stderr } = await latchkey(['certificate', 'import', '--file', 'x.pfx', '--config', portal('no-password')]);
  assert.equal(code, 1);
  assert.match(stderr, /LK_PASSWORD_NO_TERMINAL/);
  assert.doesNotMatch(stderr, NO_STACK);
});
