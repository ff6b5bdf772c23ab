/**
 * The certificate `latchkey init` makes names the host of server.publicUrl besides the machine's
 * own names: as a DNS name, or as an IP address when the URL gives one (never as a DNS name then).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import { makeSelfSigned } from './self-signed.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-cert-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function namesFor(publicUrl: string) {
  const made = await makeSelfSigned(loadConfig({ env: {}, base: { dataDir, server: { publicUrl } } }), ['machine-name'], ['127.0.0.1'], 10);
  const cert = new X509Certificate(readFileSync(made.certFile));
  return { subject: cert.subject, names: cert.subjectAltName!.split(', ') };
}

test("a public URL's host that is not the machine's name is named too, and is the subject", async () => {
  const { subject, names } = await namesFor('https://passwords.corp.example/');
  assert.equal(subject, 'CN=passwords.corp.example');
  for (const name of ['DNS:passwords.corp.example', 'DNS:machine-name', 'IP Address:127.0.0.1']) assert.ok(names.includes(name), `${name} in ${names}`);
});

test('a public URL with an IPv4 address gets an IP name, not a DNS one', async () => {
  const { names } = await namesFor('https://192.0.2.50:8443/');
  assert.ok(names.includes('IP Address:192.0.2.50'), names.join(', '));
  assert.ok(!names.includes('DNS:192.0.2.50'), names.join(', '));
});

test('a public URL with an IPv6 address gets an IP name (without the brackets)', async () => {
  const { names } = await namesFor('https://[2001:db8::5]/');
  assert.ok(
    names.some((name) => /^IP Address:2001:DB8:0:0:0:0:0:5$/i.test(name)),
    names.join(', '),
  );
  assert.ok(!names.some((name) => name.startsWith('DNS:[') || name.startsWith('DNS:2001')), names.join(', '));
});
