/**
 * HTTPS served by Latchkey itself: the admin's PEM key and chain or PFX, or the self-signed
 * certificate `latchkey init` makes (./self-signed.ts). Protocols and ciphers follow Mozilla's
 * server-side TLS profiles; certificates replaced on disk are swapped in without a restart.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Config } from '../config/schema.ts';
import { createError } from '../errors.ts';
import { generatedCertificate, hasGeneratedCertificate } from './self-signed.ts';

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

export type TlsProfile = Config['server']['tlsProfile'];

/** TLS 1.3's suites, all AEAD with forward secrecy. */
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/**
 * Mozilla's server-side TLS profiles. Intermediate adds TLS 1.2 with ECDHE key exchange and AEAD
 * ciphers only: no CBC (LUCKY13 and its kin), no static RSA (no forward secrecy), no DHE.
 */
const TLS_PROFILES: Record<TlsProfile, SecureContextOptions> = {
  intermediate: {
    minVersion: 'TLSv1.2',
    ciphers: [
      ...TLS13_SUITES,
      'ECDHE-ECDSA-AES128-GCM-SHA256',
      'ECDHE-RSA-AES128-GCM-SHA256',
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-RSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-CHACHA20-POLY1305',
      'ECDHE-RSA-CHACHA20-POLY1305',
    ].join(':'),
  },
  modern: { minVersion: 'TLSv1.3', ciphers: TLS13_SUITES.join(':') },
};

/**
 * The secure-context options (key and chain, or PFX) read from `files`, for `profile`. Checked
 * here, so that a wrong PFX password or a key that does not match the chain is a coded error.
 */
export function readTlsOptions(files: NonNullable<Config['server']['tls']>, profile: TlsProfile): SecureContextOptions {
  const read = (file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw TlsFilesUnreadable({ file, reason: (error as NodeJS.ErrnoException).code ?? String(error) });
    }
  };
  // Every offered suite is strong, so the client's order wins (a phone without AES hardware
  // picks ChaCha20), as Mozilla's profiles say.
  const base = { ...TLS_PROFILES[profile], ecdhCurve: 'X25519:prime256v1:secp384r1', honorCipherOrder: false };
  const options = files.pfxFile
    ? { ...base, pfx: read(files.pfxFile), passphrase: files.pfxPassword ?? '' }
    : { ...base, cert: read(files.certFile!), key: read(files.keyFile!) };
  try {
    createSecureContext(options);
  } catch (error) {
    throw TlsFilesUnreadable({ file: files.pfxFile ?? `${files.certFile} with ${files.keyFile}`, reason: (error as Error).message });
  }
  return options;
}

/** Swaps in the certificate on demand; a bad new file is reported and the old certificate stays. */
export interface CertificateReloader {
  /** Reads the files again; false (and logged) when they cannot be used. */
  reload(why: string): boolean;
  stop(): void;
}

/**
 * Swaps in a replaced certificate without dropping a connection, when a file changes on disk
 * or on `reload()`. `onReloaded` hears of every swap (the expiry gauge is refreshed from it).
 */
export function watchCertificate(
  server: { setSecureContext(options: SecureContextOptions): void },
  files: NonNullable<Config['server']['tls']>,
  profile: TlsProfile,
  log: { info(details: object, message: string): void; error(details: object, message: string): void },
  onReloaded: () => void,
): CertificateReloader {
  const reload = (why: string) => {
    try {
      server.setSecureContext(readTlsOptions(files, profile));
    } catch (error) {
      log.error({ err: error, why }, 'the new web certificate could not be loaded; the previous one stays in use');
      return false;
    }
    onReloaded();
    log.info({ why }, 'web certificate reloaded');
    return true;
  };
  const watched = [files.certFile, files.keyFile, files.pfxFile].filter((file): file is string => Boolean(file));
  // Polling survives the rename-over that certificate tools (certbot, acme.sh) do.
  for (const file of watched) watchFile(file, { interval: 2_000 }, () => reload(`${file} changed`));
  return {
    reload,
    stop: () => {
      for (const file of watched) unwatchFile(file);
    },
  };
}
