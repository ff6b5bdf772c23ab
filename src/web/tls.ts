/**
 * HTTPS served by Latchkey itself (seed 003): the admin's PEM key and chain or PFX, or the
 * self-signed certificate `latchkey init` makes (SANs: the host name and every local address,
 * never a wildcard). TLS 1.2 at least; certificates replaced on disk are picked up without a
 * restart (on change, or on SIGHUP).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import { isIP } from 'node:net';
import { networkInterfaces, hostname } from 'node:os';
import { join } from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import { generate } from 'selfsigned';
import type { Config } from '../config/schema.ts';
import { createError } from '../errors.ts';

export const TlsRequired = createError(
  'LK_TLS_REQUIRED',
  'Latchkey will not serve passwords over plain HTTP. Run `latchkey init` for a certificate, set server.tls to yours, ' +
    'or, if a TLS-terminating proxy is in front, set server.behindTlsProxy: true.',
  500,
);

export const TlsFilesUnreadable = createError<{ file: string; reason: string }>(
  'LK_TLS_FILES',
  (d) => `The web certificate file ${d.file} cannot be used (${d.reason}). Check the path and permissions, or the PFX password.`,
  500,
);

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

/**
 * The certificate files in use: the configured ones, else the generated ones if present, else
 * none. A setting beats a file: with server.behindTlsProxy the generated certificate is not
 * used (the proxy speaks plain HTTP to Latchkey); server.tls with it is refused by the schema.
 */
export function certificateFiles(config: Config): NonNullable<Config['server']['tls']> | null {
  if (config.server.tls) return config.server.tls;
  if (config.server.behindTlsProxy) return null;
  return hasGeneratedCertificate(config) ? generatedCertificate(config) : null;
}

/** The TLS options (key and chain, or PFX) read from `files`; TLS 1.2 at least. */
export function readTlsOptions(files: NonNullable<Config['server']['tls']>): SecureContextOptions {
  const read = (file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw TlsFilesUnreadable({ file, reason: (error as NodeJS.ErrnoException).code ?? String(error) });
    }
  };
  const base = { minVersion: 'TLSv1.2' as const };
  if (files.pfxFile) return { ...base, pfx: read(files.pfxFile), passphrase: files.pfxPassword ?? '' };
  return { ...base, cert: read(files.certFile!), key: read(files.keyFile!) };
}

/** The https option for Fastify, or undefined for plain HTTP (only allowed behind a TLS proxy). */
export function httpsFor(config: Config, { demo = false } = {}): ServerOptions | undefined {
  const files = certificateFiles(config);
  if (files) return readTlsOptions(files);
  if (!config.server.behindTlsProxy && !demo) throw TlsRequired({});
  return undefined;
}

/**
 * Swaps in a replaced certificate without dropping a connection: when a file changes on disk,
 * or on SIGHUP. A bad new file is reported and the old certificate stays.
 */
export function watchCertificate(
  server: { setSecureContext(options: SecureContextOptions): void },
  files: NonNullable<Config['server']['tls']>,
  log: { info(details: object, message: string): void; error(details: object, message: string): void },
): () => void {
  const reload = (why: string) => {
    try {
      server.setSecureContext(readTlsOptions(files));
      log.info({ why }, 'web certificate reloaded');
    } catch (error) {
      log.error({ err: error, why }, 'the new web certificate could not be loaded; the previous one stays in use');
    }
  };
  const watched = [files.certFile, files.keyFile, files.pfxFile].filter((file): file is string => Boolean(file));
  // Polling survives the rename-over that certificate tools (certbot, acme.sh) do.
  for (const file of watched) watchFile(file, { interval: 2_000 }, () => reload(`${file} changed`));
  const onHup = () => reload('SIGHUP');
  process.on('SIGHUP', onHup);
  return () => {
    for (const file of watched) unwatchFile(file);
    process.off('SIGHUP', onHup);
  };
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
