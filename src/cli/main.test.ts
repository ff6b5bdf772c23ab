import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, scratchFolder, spawnCli, writeConfig } from '../testing/cli.ts';
import { devDomain } from '../testing/dev-domain.ts';

const { dir, remove } = scratchFolder();
after(remove);

const latchkey = (args: string[], env: Record<string, string> = {}) => runCli(args, { env, cwd: dir });

test('a bad configuration stops the start with every problem named, and no stack trace', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'server:\n  port: 70000\ndirectory:\n  urls: [https://dc1]\n  bindDn: svc\n');
  for (const command of ['check-config', 'serve']) {
    const { code, stderr } = await latchkey([command, '--config', file]);
    assert.equal(code, 1, command);
    assert.match(stderr, /LK_CONFIG_INVALID/);
    assert.match(stderr, /server\.port/);
    assert.match(stderr, /directory\.urls\[0\]: must be ldaps:\/\/host/);
    assert.match(stderr, /directory\.bindPassword: is required/);
    assert.doesNotMatch(stderr, /\s+at \S+:\d+:\d+/, 'no stack trace');
  }
});

test('a good configuration passes the check', async () => {
  const file = join(dir, 'good.yaml');
  writeFileSync(file, 'directory:\n  urls: [ldaps://dc1.corp.example]\n  bindDn: svc@corp.example\n');
  const { code, stdout } = await latchkey(['check-config', '--config', file], { LATCHKEY_DIRECTORY__BIND_PASSWORD: 'from-env' });
  assert.equal(code, 0);
  assert.match(stdout, /valid/);
});

test('an unknown command shows the usage and fails', async () => {
  const { code, stderr } = await latchkey(['frobnicate']);
  assert.equal(code, 2);
  assert.match(stderr, /Usage: latchkey/);
});

test('a missing --file or an unknown option is a coded usage error, not a stack trace', async () => {
  for (const args of [['backup'], ['doctor', '--verbose']]) {
    const { code, stderr } = await latchkey(args);
    assert.equal(code, 2, args.join(' '));
    assert.match(stderr, /LK_CLI_USAGE/);
    assert.doesNotMatch(stderr, /\s+at \S+:\d+:\d+/, 'no stack trace');
  }
});

test('output piped into a reader that stops early (`latchkey doctor | head -1`) ends the command quietly', async () => {
  const config = writeConfig(join(dir, 'piped.yaml'), { server: { behindTlsProxy: true } });
  // With the password the doctor goes on to the DC, so that it writes long after the pipe closed.
  const child = spawnCli(['doctor', '--config', config], { cwd: dir, env: { LATCHKEY_DIRECTORY__BIND_PASSWORD: devDomain().serviceAccount.password } });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  // Like head: read the first line, then close the pipe while the doctor still has lines to write.
  child.stdout!.once('data', () => child.stdout!.destroy());
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(stderr, '', 'no EPIPE trace');
  assert.equal(code, 141, 'the exit code of a writer whose pipe closed (128 + SIGPIPE)');
});
