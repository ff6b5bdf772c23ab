/**
 * The self-signed web certificate `latchkey init` makes when the admin has none yet: SANs are
 * the public host name, the machine's host name and every local address, never a wildcard.
 * The generator (with its X.509 library, about 200 modules) is loaded only when one is made.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';

/** Where `latchkey init` puts the generated certificate. */
export function generatedCertificate(config: Config) {
  const dir = join(config.dataDir, 'tls');
  return { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
}

/** Whether `latchkey init`'s certificate is in the data folder (in use unless behindTlsProxy says otherwise). */
export function hasGeneratedCertificate(config: Config): boolean {
  const generated = generatedCertificate(config);
  return existsSync(generated.certFile) && existsSync(generated.keyFile);
}

/** Every address of this machine, for the certificate's SANs. */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((address): address is NonNullable<typeof address> => Boolean(address))
    .map((address) => address.address.replace(/%.*$/, ''));
}

/**
 * Makes a self-signed certificate for server.publicUrl's host (its subject, and first SAN) and
 * `names` (DNS, default the machine's host name) and `addresses` (IP); never a wildcard.
 */
export async function makeSelfSigned(config: Config, names: string[] = [hostname()], addresses: string[] = localAddresses(), days = 825) {
  const files = generatedCertificate(config);
  // URL keeps an IPv6 address in brackets.
  const publicHost = config.server.publicUrl ? new URL(config.server.publicUrl).hostname.replace(/^\[|\]$/g, '') : null;
  const publicName = publicHost && !isIP(publicHost) ? [publicHost] : [];
  const publicAddress = publicHost && isIP(publicHost) ? [publicHost] : [];
  const dnsNames = [...new Set([...publicName, ...names].filter((name) => name && !name.includes('*')))];
  const ips = [...new Set([...publicAddress, ...addresses])];
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: publicHost ?? dnsNames[0] ?? 'latchkey' }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + days * 86_400_000),
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...dnsNames.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  } as Parameters<typeof generate>[1]);
  mkdirSync(join(config.dataDir, 'tls'), { recursive: true, mode: 0o700 });
  writeFileSync(files.keyFile, pems.private, { mode: 0o600 });
  writeFileSync(files.certFile, pems.cert, { mode: 0o644 });
  // selfsigned's own fingerprint is SHA-1; pinning and the doctor speak SHA-256.
  return { ...files, fingerprint: new X509Certificate(pems.cert).fingerprint256, dnsNames, ips };
}
