/**
 * How Latchkey trusts a domain controller's certificate: a CA bundle the admin gives (or the
 * system store), or the DC's own certificate pinned by its SHA-256 fingerprint, as SSH pins a
 * host key. Either way TLS 1.2 is the minimum.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

export interface DirectoryTrust {
  /** PEM file of the CA(s) that issued the DC certificates. Default: the system's store. */
  caFile?: string;
  /** The same as PEM text. */
  caPem?: string;
  /** The DC certificate's SHA-256 fingerprint (hex, colons optional); replaces CA checks. */
  fingerprint?: string;
  /** The name to check the certificate against when the URL names the DC differently. */
  serverName?: string;
}

/** A fingerprint in one canonical form: upper-case hex pairs joined by colons. */
export function normalizeFingerprint(text: string): string {
  const hex = text
    .replace(/^sha-?256[:=]?/i, '')
    .replace(/[\s:]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new RangeError('a SHA-256 fingerprint has 64 hex digits');
  return hex.match(/../g)!.join(':');
}

/** tls.connect options for a DC at `host` under `trust`. */
export function tlsOptions(host: string, trust: DirectoryTrust): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = { minVersion: 'TLSv1.2' };
  if (trust.caFile || trust.caPem) options.ca = [...(trust.caFile ? [readFileSync(trust.caFile)] : []), ...(trust.caPem ? [trust.caPem] : [])];
  // SNI is only for names; for an IP address Node checks the IP SANs of the certificate.
  const name = trust.serverName ?? host;
  if (trust.serverName || !/^[\d.]+$|:/.test(host)) options.servername = name;
  return options;
}

type SecureConnect = typeof tls.connect;

/**
 * A tls.connect for pinned certificates: chain checks are off (a pinned DC certificate is often
 * self-signed), and the handshake counts as done only when the certificate's fingerprint is
 * the pinned one. On a mismatch the socket is destroyed before anything is written to it.
 */
export function pinnedConnect(fingerprint: string): SecureConnect {
  const expected = normalizeFingerprint(fingerprint);
  return ((...args: unknown[]) => {
    // ldapts calls (port, host, options) for ldaps:// and (options) for StartTLS.
    const options: tls.ConnectionOptions =
      typeof args[0] === 'number'
        ? { ...(args[2] as tls.ConnectionOptions), port: args[0], host: args[1] as string }
        : { ...(args[0] as tls.ConnectionOptions) };
    const socket = tls.connect({ ...options, rejectUnauthorized: false });
    const emit = socket.emit;
    // ldapts listens for 'secureConnect' and then writes; hold the event back until the pin is checked.
    socket.emit = function (this: tls.TLSSocket, event: string | symbol, ...rest: unknown[]): boolean {
      if (event === 'secureConnect') {
        const actual = socket.getPeerCertificate().fingerprint256;
        if (actual !== expected) {
          const error = new Error(`the certificate presented (SHA-256 ${actual ?? 'none'}) is not the pinned one (${expected})`);
          socket.destroy(Object.assign(error, { code: 'CERT_PIN_MISMATCH' }));
          return false;
        }
      }
      return emit.apply(this, [event, ...rest] as Parameters<typeof emit>);
    } as typeof socket.emit;
    return socket;
  }) as SecureConnect;
}

/** What a server's certificate says, for the dashboard and doctor. */
export interface CertificateFacts {
  subject: string;
  issuer: string;
  altNames: string[];
  validTo: Date;
  fingerprint: string;
}

/** Reads the certificate a TLS server presents (LDAPS, or StartTLS for ldap:// URLs is not tried). */
export function peerCertificate(url: string, timeoutMs = 5_000): Promise<CertificateFacts> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    // Only reading the certificate: trust is judged elsewhere, so the chain is not checked here.
    const socket = tls.connect({ host, port: Number(parsed.port || 636), rejectUnauthorized: false, ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }) });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timed out')));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve({
        subject: cert.subject
          ? Object.entries(cert.subject)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')
          : '',
        issuer: cert.issuer
          ? Object.entries(cert.issuer)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')
          : '',
        altNames: (cert.subjectaltname ?? '').split(', ').filter(Boolean),
        validTo: new Date(cert.valid_to),
        fingerprint: cert.fingerprint256,
      });
    });
    socket.once('error', reject);
  });
}
