/**
 * Certificates as the doctor shows them: the web certificate browsers are shown, and the lines
 * and expiry verdict shared with the domain controllers' certificates.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { type CertificateStatus, certificateExpiry, WARN_DAYS } from '../../certificates/health.ts';
import { generatedCertificate, hasGeneratedCertificate } from '../../certificates/self-signed.ts';
import { certificateFiles, TlsFilesUnreadable, TlsRequired } from '../../certificates/serving.ts';
import type { Config } from '../../config/schema.ts';
import type { CertificateFacts } from '../../directory/tls.ts';
import { type CheckResult, type CheckStatus, describeError, failure, result } from './report.ts';

/** A certificate with fewer days left than this is a warning. */
export const CERTIFICATE_WARN_DAYS = WARN_DAYS;

/** The doctor's status for each expiry state of certificates.ts. */
const EXPIRY_STATUS = { ok: 'PASS', warn: 'WARN', fail: 'FAIL' } as const satisfies Record<CertificateStatus['state'], CheckStatus>;

/**
 * The web certificate browsers are shown: its subject, names and expiry, and whether it
 * is valid for server.publicUrl's host. Behind a TLS proxy the proxy's certificate is not ours to check.
 */
export function webCertificateCheck(config: Config, now: number): CheckResult {
  const files = certificateFiles(config);
  if (!files) {
    if (!config.server.behindTlsProxy) {
      return failure('web', TlsRequired({}), ['fix: run `latchkey init` for a self-signed certificate, or set server.tls to yours']);
    }
    const unused = hasGeneratedCertificate(config)
      ? [`the certificate \`latchkey init\` made (${generatedCertificate(config).certFile}) is not used: server.behindTlsProxy wins`]
      : [];
    return result('PASS', 'web', "plain HTTP behind a TLS-terminating proxy (server.behindTlsProxy): the proxy's certificate is what browsers see", unused);
  }
  if (!files.certFile) {
    return result('WARN', 'web', `${files.pfxFile}: a PKCS#12 file, whose certificate the doctor does not read`, [
      `see it with: openssl pkcs12 -in ${files.pfxFile} -nokeys | openssl x509 -noout -subject -ext subjectAltName -enddate -fingerprint -sha256`,
    ]);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(files.certFile));
    if (files.keyFile && !cert.checkPrivateKey(createPrivateKey(readFileSync(files.keyFile))))
      throw new Error(`the key in ${files.keyFile} is not this certificate's`);
  } catch (error) {
    return failure('web', TlsFilesUnreadable({ file: files.certFile, reason: describeError(error) }));
  }
  const facts: CertificateFacts = {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    altNames: (cert.subjectAltName ?? '').split(', ').filter(Boolean),
    validTo: new Date(cert.validTo),
    fingerprint: cert.fingerprint256,
  };
  const expiry = expiryStatus(facts.validTo, now);
  const lines = [`file: ${files.certFile}`, ...certificateLines(facts, expiry.daysLeft)];
  const host = config.server.publicUrl ? new URL(config.server.publicUrl).hostname.replace(/^\[|\]$/g, '') : null;
  const matches = host && (isIP(host) ? cert.checkIP(host) : cert.checkHost(host));
  const summary = `${facts.subject}, ${expiry.daysLeft} days left`;
  if (expiry.status === 'FAIL')
    return result('FAIL', 'web', `${files.certFile} expired on ${facts.validTo.toISOString().slice(0, 10)}`, [
      ...lines,
      'fix: replace it (`latchkey init --force` for a new self-signed one)',
    ]);
  if (!host)
    return result('WARN', 'web', `${summary}; server.publicUrl is not set, so its host cannot be compared`, [
      ...lines,
      'fix: set server.publicUrl to the address users reach the portal at',
    ]);
  if (!matches) {
    return result('FAIL', 'web', `${summary}; not valid for ${host}, the host of server.publicUrl: browsers will refuse it`, [
      ...lines,
      `fix: a certificate that names ${host} (\`latchkey init --force\` makes one), or correct server.publicUrl`,
    ]);
  }
  if (expiry.status === 'WARN') return result('WARN', 'web', `${summary}; valid for ${host}`, [...lines, 'fix: replace it before it expires']);
  return result('PASS', 'web', `${summary}; valid for ${host}`, lines);
}

/**
 * What a certificate's expiry means, by certificates.ts's rule: expired is a failure, under
 * CERTIFICATE_WARN_DAYS days a warning. Pure, for tests.
 */
export function expiryStatus(validTo: Date, now: number): { status: CheckStatus; daysLeft: number } {
  const { daysLeft, state } = certificateExpiry(validTo, now);
  return { status: EXPIRY_STATUS[state], daysLeft };
}

/** The lines that describe a certificate. */
export function certificateLines(cert: CertificateFacts, daysLeft: number): string[] {
  return [
    `subject: ${cert.subject}`,
    `names: ${cert.altNames.join(', ') || '(none)'}`,
    `issuer: ${cert.issuer}`,
    `valid until: ${cert.validTo.toISOString().slice(0, 10)} (${daysLeft} days left)`,
    `SHA-256 fingerprint: ${cert.fingerprint}`,
  ];
}
