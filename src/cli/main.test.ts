import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function latchkey(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('a bad configuration stops the start with every problem named, and no stack trace', () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'server:\n  port: 70000\ndirectory:\n  urls: [https://dc1]\n  bindDn: svc\n');
  for (const command of ['check-config', 'serve']) {
    const { code, stderr } = latchkey([command, '--config', file]);
    assert.equal(code, 1, command);
    assert.match(stderr, /LK_CONFIG_INVALID/);
    assert.match(stderr, /server\.port/);
    assert.match(stderr, /directory\.urls\[0\]: must be ldaps:\/\/host/);
    assert.match(stderr, /directory\.bindPassword: is required/);
    assert.doesNotMatch(stderr, /\s+at \S+:\d+:\d+/, 'no stack trace');
  }
});

test('a good configuration passes the check', () => {
  const file = join(dir, 'good.yaml');
  writeFileSync(file, 'directory:\n  urls: [ldaps://dc1.corp.example]\n  bindDn: svc@corp.example\n');
  const { code, stdout } = latchkey(['check-config', '--config', file], { LATCHKEY_DIRECTORY__BIND_PASSWORD: 'from-env' });
  assert.equal(code, 0);
  assert.match(stdout, /valid/);
});

test('an unknown command shows the usage and fails', () => {
  const { code, stderr } = latchkey(['frobnicate']);
  assert.equal(code, 2);
  assert.match(stderr, /Usage: latchkey/);
});
