/**
 * `latchkey init`: the web certificate and the first look at the domain controllers. It makes
 * a self-signed certificate whose SANs are the host name and every local address (no
 * wildcard), unless one exists, and shows each DC's certificate — subject, SANs, issuer, expiry
 * and SHA-256 fingerprint — so the admin can pin it, as on a first SSH connection.
 */
import { existsSync } from 'node:fs';
import { initialSettings } from '../app.ts';
import { type CertificateStatus, certificateStatuses, describeCertificate } from '../certificates.ts';
import type { Config } from '../config/schema.ts';
import { peerCertificate } from '../directory/tls.ts';
import { generatedCertificate, makeSelfSigned } from '../web/tls.ts';

export async function runInit(config: Config, options: { hosts?: string[]; force?: boolean; out?: (line: string) => void } = {}): Promise<void> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const files = generatedCertificate(config);
  if (config.server.tls) {
    out(`The web certificate is configured (server.tls); nothing to generate.`);
  } else if (existsSync(files.certFile) && !options.force) {
    out(`A web certificate exists at ${files.certFile}; --force replaces it.`);
  } else {
    const made = await makeSelfSigned(config, options.hosts);
    out(`Made a self-signed web certificate: ${made.certFile}`);
    out(`  names: ${made.dnsNames.join(', ')}; addresses: ${made.ips.join(', ')}`);
    out(`  SHA-256 fingerprint: ${made.fingerprint}`);
    out('  Latchkey serves HTTPS with it from now on; browsers will ask to trust it, or replace it with one from your CA (server.tls).');
  }
  const directory = (initialSettings(config).directory as { urls?: string[] } | undefined)?.urls ?? [];
  for (const url of directory.filter((u) => u.toLowerCase().startsWith('ldaps://'))) {
    try {
      const cert = await peerCertificate(url);
      out(`Domain controller ${url}:`);
      out(`  subject ${cert.subject}; issuer ${cert.issuer}`);
      out(`  SANs ${cert.altNames.join(', ') || 'none'}; valid until ${cert.validTo.toISOString().slice(0, 10)}`);
      out(`  SHA-256 fingerprint ${cert.fingerprint}`);
      out(`  If this is your DC's certificate, pin it with directory.fingerprint: "${cert.fingerprint}" (or give its CA in directory.caFile).`);
    } catch (error) {
      out(`Domain controller ${url}: cannot be reached over TLS (${(error as Error).message}).`);
    }
  }
  const statuses: CertificateStatus[] = await certificateStatuses(config, []);
  for (const status of statuses) out(`Web certificate: ${describeCertificate(status)}`);
}
