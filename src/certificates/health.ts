/**
 * Certificate health: the web certificate and each domain controller's, with subject,
 * SANs, issuer and expiry. Under 30 days left is a warning, expired an error. Shown by the
 * dashboard, doctor and /metrics; a daily job audits and mails the warnings to the admins.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AuditRecorder } from '../audit/recorder.ts';
import type { Config } from '../config/schema.ts';
import { peerCertificate } from '../directory/tls.ts';
import type { Translate } from '../i18n/translate.ts';
import type { MailPort } from '../notify/ports.ts';
import { certificateFiles } from './serving.ts';

const DAY_MS = 86_400_000;
/** Fewer days left than this is a warning. */
export const WARN_DAYS = 30;

export interface CertificateStatus {
  /** "web" or the DC's host:port. */
  name: string;
  subject: string;
  issuer: string;
  altNames: string[];
  validTo: Date | null;
  daysLeft: number | null;
  state: 'ok' | 'warn' | 'fail';
  /** Why the certificate could not be read. */
  error?: string;
}

/**
 * What a certificate's expiry means at `now`: the whole days left (negative once it has expired),
 * and whether that is fine, a warning (under WARN_DAYS days left) or a failure (expired). The one
 * rule for every certificate Latchkey reports on: the dashboard, /metrics, the daily check, doctor.
 */
export function certificateExpiry(validTo: Date, now: number): { daysLeft: number; state: CertificateStatus['state'] } {
  const daysLeft = Math.floor((validTo.getTime() - now) / DAY_MS);
  return { daysLeft, state: daysLeft < 0 ? 'fail' : daysLeft < WARN_DAYS ? 'warn' : 'ok' };
}

function judge(name: string, facts: { subject: string; issuer: string; altNames: string[]; validTo: Date }, now: number): CertificateStatus {
  return { name, ...facts, ...certificateExpiry(facts.validTo, now) };
}

/** The web certificate (when Latchkey serves HTTPS itself) and every LDAPS domain controller's. */
export async function certificateStatuses(config: Config, directoryUrls: string[], now = Date.now()): Promise<CertificateStatus[]> {
  const statuses: CertificateStatus[] = [];
  const files = certificateFiles(config);
  if (files?.certFile) {
    try {
      const cert = new X509Certificate(readFileSync(files.certFile));
      statuses.push(
        judge(
          'web',
          {
            subject: cert.subject.replace(/\n/g, ', '),
            issuer: cert.issuer.replace(/\n/g, ', '),
            altNames: (cert.subjectAltName ?? '').split(', ').filter(Boolean),
            validTo: new Date(cert.validTo),
          },
          now,
        ),
      );
    } catch (error) {
      statuses.push({ name: 'web', subject: '', issuer: '', altNames: [], validTo: null, daysLeft: null, state: 'fail', error: (error as Error).message });
    }
  }
  for (const url of directoryUrls.filter((u) => u.toLowerCase().startsWith('ldaps://'))) {
    const name = new URL(url).host;
    try {
      statuses.push(judge(name, await peerCertificate(url), now));
    } catch (error) {
      statuses.push({ name, subject: '', issuer: '', altNames: [], validTo: null, daysLeft: null, state: 'fail', error: (error as Error).message });
    }
  }
  return statuses;
}

/** Certificate facts reused for a while, and forgotten when a certificate is swapped. */
export interface CertificateCache {
  statuses(): Promise<CertificateStatus[]>;
  /** The next read looks again (after a reload, and before the daily check). */
  forget(): void;
}

/**
 * Caches `read` for `maxAgeMs`: a scrape of /metrics must not open a TLS connection to every DC
 * each time.
 */
export function certificateCache(read: () => Promise<CertificateStatus[]>, maxAgeMs: number, now: () => number): CertificateCache {
  let seen: { at: number; statuses: CertificateStatus[] } | null = null;
  return {
    async statuses() {
      if (!seen || now() - seen.at > maxAgeMs) seen = { at: now(), statuses: await read() };
      return seen.statuses;
    },
    forget() {
      seen = null;
    },
  };
}

/** One line per certificate, for logs, e-mails and doctor. */
export function describeCertificate(status: CertificateStatus): string {
  if (status.error) return `${status.name}: cannot be read (${status.error})`;
  const when = status.daysLeft! < 0 ? `expired ${-status.daysLeft!} days ago` : `${status.daysLeft} days left`;
  return `${status.name}: ${when} (${status.subject}; issuer ${status.issuer}; SANs ${status.altNames.join(', ') || 'none'})`;
}

/**
 * The daily check: warnings and errors are audited, and mailed to the admin addresses when
 * there are any. Returns the statuses that need attention.
 */
export async function checkCertificates(
  statuses: CertificateStatus[],
  audit: AuditRecorder,
  mail: MailPort | null,
  adminEmails: string[],
  t: Translate,
): Promise<CertificateStatus[]> {
  const attention = statuses.filter((status) => status.state !== 'ok');
  for (const status of attention) {
    await audit.record({
      actor: 'latchkey',
      action: 'certificate-check',
      outcome: status.state === 'fail' ? 'failure' : 'refused',
      sourceIp: '-',
      detail: describeCertificate(status),
    });
  }
  if (attention.length && mail && adminEmails.length) {
    await mail.send({
      to: adminEmails,
      subject: t('mail.certificates.subject', { count: attention.length }),
      text: t('mail.certificates.body', { certificates: attention.map(describeCertificate).join('\n') }),
    });
  }
  return attention;
}
