/**
 * `latchkey init`: the web certificate and the first look at the domain controllers. It makes
 * a self-signed certificate for server.publicUrl's host, the host name and every local address
 * (no wildcard), unless one exists or a TLS proxy is declared, and shows each DC's certificate —
 * subject, SANs, issuer, expiry and SHA-256 fingerprint — and whether the configured trust
 * (CA file, pasted CA, pinned fingerprint or the system's store) accepts it, so the admin can
 * pin it, as on a first SSH connection. The DCs are the database's once the first start has
 * imported the settings (the file's are ignored from then on), else the config file's.
 */
import { existsSync } from 'node:fs';
import { type CertificateStatus, certificateStatuses, describeCertificate } from '../certificates/health.ts';
import { generatedCertificate, makeSelfSigned } from '../certificates/self-signed.ts';
import { initialSettings } from '../config/initial-settings.ts';
import { type Config, fileDirectorySchema } from '../config/schema.ts';
import { DirectoryTlsFailed } from '../directory/errors.ts';
import { peerCertificate } from '../directory/tls.ts';
import { directoryFor } from '../runtime.ts';
import { exists, openExistingDatabase } from './existing-database.ts';

type FileDirectory = NonNullable<Config['directory']>;

export async function runInit(config: Config, options: { hosts?: string[]; force?: boolean; out?: (line: string) => void } = {}): Promise<void> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const files = generatedCertificate(config);
  if (config.server.tls) {
    out(`The web certificate is configured (server.tls); nothing to generate.`);
  } else if (config.server.behindTlsProxy) {
    out('server.behindTlsProxy is set: the proxy in front serves HTTPS, so no web certificate is made (Latchkey would not use it).');
  } else if (existsSync(files.certFile) && !options.force) {
    out(`A web certificate exists at ${files.certFile}; --force replaces it.`);
  } else {
    const made = await makeSelfSigned(config, options.hosts);
    out(`Made a self-signed web certificate: ${made.certFile}`);
    out(`  names: ${made.dnsNames.join(', ')}; addresses: ${made.ips.join(', ')}`);
    out(`  SHA-256 fingerprint: ${made.fingerprint}`);
    out('  Latchkey serves HTTPS with it from now on; browsers will ask to trust it, or replace it with one from your CA (server.tls).');
  }
  const { directory, from } = await directorySettings(config);
  if (from) out(`Domain controllers (from ${from}):`);
  for (const url of (directory?.urls ?? []).filter((u) => u.toLowerCase().startsWith('ldaps://'))) {
    try {
      const cert = await peerCertificate(url);
      out(`Domain controller ${url}:`);
      out(`  subject ${cert.subject}; issuer ${cert.issuer}`);
      out(`  SANs ${cert.altNames.join(', ') || 'none'}; valid until ${cert.validTo.toISOString().slice(0, 10)}`);
      out(`  SHA-256 fingerprint ${cert.fingerprint}`);
      const verdict = await trustVerdict(directory!, url);
      out(`  ${verdict}`);
      if (!verdict.startsWith('trusted'))
        out(`  If this is your DC's certificate, pin it with directory.fingerprint: "${cert.fingerprint}" (or give its CA in directory.caFile).`);
    } catch (error) {
      out(`Domain controller ${url}: cannot be reached over TLS (${(error as Error).message}).`);
    }
  }
  const statuses: CertificateStatus[] = await certificateStatuses(config, []);
  for (const status of statuses) out(`Web certificate: ${describeCertificate(status)}`);
}

/** The directory settings in force: the database's after the first start, else the file's. */
async function directorySettings(config: Config): Promise<{ directory: FileDirectory | undefined; from: string | null }> {
  const database = await openExistingDatabase(config);
  if (exists(database)) {
    try {
      const row = (await database.settingRows()).find((setting) => setting.key === 'section:directory');
      const parsed = row && fileDirectorySchema.safeParse(row.value);
      if (parsed?.success) return { directory: parsed.data, from: `the database ${database.label}; the admin console edits them` };
    } finally {
      await database.close();
    }
  }
  const directory = initialSettings(config).directory as FileDirectory | undefined;
  return { directory, from: directory ? 'the config file' : null };
}

/** Whether the configured trust accepts the DC's certificate, tried as the service connects (no credentials sent). */
async function trustVerdict(settings: FileDirectory, url: string): Promise<string> {
  const trust = settings.fingerprint
    ? `the pinned fingerprint`
    : settings.caFile || settings.caPem
      ? `the configured CA (${settings.caFile ?? 'directory.caPem'})`
      : "the system's CA store";
  // checkServer binds anonymously: the account and its password play no part.
  const probe = directoryFor({ ...settings, urls: [url], bindDn: '', bindPassword: '' });
  try {
    await probe.diagnostics().checkServer(url);
    return `trusted by ${trust}.`;
  } catch (error) {
    if (DirectoryTlsFailed.is(error)) return `NOT trusted by ${trust}: ${String(error.details.reason)}.`;
    return `trust not known: ${(error as Error).message}`;
  } finally {
    await probe.close();
  }
}
