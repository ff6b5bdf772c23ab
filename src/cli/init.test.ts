/**
 * `latchkey init` as an administrator runs it, and the doctor's line on the certificate it made:
 * the fingerprint is SHA-256, the certificate names server.publicUrl's host, and each DC's
 * certificate is said to be trusted, or not, by the configured CA.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, scratchFolder, writeConfig } from '../testing/cli.ts';

const site = scratchFolder();
after(() => site.remove());
const config = writeConfig(join(site.dir, 'latchkey.yaml'), { server: { publicUrl: 'https://passwords.corp.example' } });
const certFile = join(site.dir, 'data', 'tls', 'cert.pem');

test("init makes a certificate for the public URL's host, shows its SHA-256 fingerprint, and says the configured CA trusts the DC", async () => {
  const run = await runCli(['init', '--config', config], { cwd: site.dir });
  assert.equal(run.code, 0, run.stderr);
  const cert = new X509Certificate(readFileSync(certFile));
  assert.ok(run.stdout.includes(`  SHA-256 fingerprint: ${cert.fingerprint256}\n`), run.stdout);
  assert.equal(cert.subject, 'CN=passwords.corp.example');
  assert.ok(cert.subjectAltName!.split(', ').includes('DNS:passwords.corp.example'), cert.subjectAltName);
  assert.match(run.stdout, /names: passwords\.corp\.example, /);
  assert.match(run.stdout, /Domain controller ldaps:\/\/127\.0\.0\.1:636:\n(.*\n){3} {2}trusted by the configured CA \(.*ca\.pem\)\./);
});

test('the doctor shows the web certificate: subject, names, expiry, and that it is valid for the public URL', async () => {
  const run = await runCli(['doctor', '--config', config], { cwd: site.dir });
  assert.match(run.stdout, /PASS {2}web +CN=passwords\.corp\.example, \d+ days left; valid for passwords\.corp\.example\n/);
  assert.ok(run.stdout.includes(`      file: ${certFile}\n`));
  assert.match(run.stdout, / {6}names: DNS:passwords\.corp\.example, /);
  const elsewhere = writeConfig(join(site.dir, 'moved.yaml'), { server: { publicUrl: 'https://reset.corp.example' } });
  const moved = await runCli(['doctor', '--config', elsewhere], { cwd: site.dir });
  assert.match(moved.stdout, /FAIL {2}web +CN=passwords\.corp\.example, \d+ days left; not valid for reset\.corp\.example, the host of server\.publicUrl/);
  assert.equal(moved.code, 1);
});

test('a CA that did not issue the DC certificate: init says it is not trusted, and how to pin it', async () => {
  // The web certificate is a CA-less self-signed one: it issued nothing the DC presents.
  writeFileSync(join(site.dir, 'other-ca.pem'), readFileSync(certFile));
  const run = await runCli(
    ['init', '--config', writeConfig(config, { server: { publicUrl: 'https://passwords.corp.example' }, directory: { caFile: 'other-ca.pem' } })],
    { cwd: site.dir },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, / {2}NOT trusted by the configured CA \(.*other-ca\.pem\): /);
  assert.match(run.stdout, /pin it with directory\.fingerprint: "([0-9A-F]{2}:){31}[0-9A-F]{2}"/);
});
