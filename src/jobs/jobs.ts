/**
 * Scheduled work. Every instance tries each job on its timer; the first to count a hit in the
 * job's window runs it. The counter is a lock kept in the database, so a job runs once across
 * instances.
 */
import type { AuditRecorder } from '../audit/recorder.ts';
import { type CertificateCache, type CertificateStatus, checkCertificates } from '../certificates/health.ts';
import type { Config, RuntimeSettings } from '../config/schema.ts';
import type { Translate } from '../i18n/translate.ts';
import type { Log } from '../log.ts';
import type { MailPort } from '../notify/ports.ts';
import type { ReminderRunSummary } from '../store/expiry-reminders.ts';
import type { Store } from '../store/store.ts';
import { runScheduledBackup, type ScheduledBackupDependencies, type ScheduledBackupResult } from './scheduled-backup.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/**
 * How often the jobs are tried: the purge of expired rows (used TOTP steps among them) runs
 * hourly, audit purge and certificate check daily, scheduled backups on their cycle, expiry
 * reminders daily from their time of day (tried again the next hour when a run stopped part-way).
 */
export const JOB_TRY_MS = 3_600_000;

export interface Jobs {
  /** Removes audit entries older than the retention; 0 when another run had it today. */
  purgeAudit(): Promise<number>;
  /** Removes expired sessions, codes, rate-limit counters and used TOTP steps; null when another run had it this hour. */
  purgeExpired(): Promise<{ sessions: number; codes: number; counters: number; totpSteps: number } | null>;
  /** Audits the certificates' health and mails the admins about those expiring; [] when another run had it today. */
  checkCertificates(): Promise<CertificateStatus[]>;
  /** Writes a scheduled backup and applies the retention; null when they are off or another run had this cycle. */
  scheduledBackup(): Promise<ScheduledBackupResult | null>;
  /**
   * Sends today's password-expiry reminders once the day's time of day has come; null when they
   * are off, it is not time yet, a run completed today, or another instance tried this hour.
   */
  expiryReminders(): Promise<ReminderJobResult | null>;
}

/** What a run of the expiry reminders did (src/flows/expiry-reminders.ts). */
export type ReminderJobResult = ReminderRunSummary & { outcome: 'complete' | 'failed'; detail: string | null };

/** The start of today's reminder run: `timeOfDay` (HH:MM, UTC) on the UTC day of `now`. */
export function reminderTimeToday(now: number, timeOfDay: string): number {
  const [hours, minutes] = timeOfDay.split(':').map(Number) as [number, number];
  return Math.floor(now / DAY_MS) * DAY_MS + hours * HOUR_MS + minutes * 60_000;
}

export interface JobDependencies {
  store: Pick<Store, 'throttle' | 'audit' | 'sessions' | 'codes' | 'totp' | 'expiryReminders'>;
  settings: () => RuntimeSettings;
  adminAudit: AuditRecorder;
  certificates: CertificateCache;
  mail: () => MailPort | null;
  /** The texts in the default language: the admins' language is not known. */
  texts: () => Translate;
  now: () => number;
  /** The start-up settings and the service's environment (the scheduled backups' password). */
  config: Config;
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  log: ScheduledBackupDependencies['log'];
  /** Runs the expiry reminders (the flow, with the portal's context), stopping between batches once `signal` is aborted. */
  runReminders: (signal: AbortSignal) => Promise<ReminderJobResult>;
  /** Aborted when the instance shuts down: a reminder run under way stops between two batches. */
  signal: AbortSignal;
}

export function createJobs({ store, settings, adminAudit, certificates, mail, texts, now, config, env, log, runReminders, signal }: JobDependencies): Jobs {
  const firstInWindow = async (job: string, windowMs: number) => (await store.throttle.hit(`job:${job}`, windowMs, now())) === 1;
  return {
    async purgeAudit() {
      const days = settings().audit.retentionDays;
      if (!days || !(await firstInWindow('audit-purge', DAY_MS))) return 0;
      const removed = await store.audit.purgeOlderThan(now() - days * DAY_MS);
      await adminAudit.record({
        actor: 'latchkey',
        action: 'audit-purge',
        outcome: 'success',
        sourceIp: '-',
        detail: `${removed} entries older than ${days} days removed`,
      });
      return removed;
    },
    async purgeExpired() {
      // Every first step leaves a session row and counters; without this they pile up for ever.
      if (!(await firstInWindow('expired-purge', JOB_TRY_MS))) return null;
      const at = now();
      return {
        sessions: await store.sessions.purgeExpired(at),
        codes: await store.codes.purgeExpired(at),
        counters: await store.throttle.purgeExpired(at),
        totpSteps: await store.totp.purgeExpiredSteps(at),
      };
    },
    async checkCertificates() {
      if (!(await firstInWindow('certificate-check', DAY_MS))) return [];
      certificates.forget();
      return checkCertificates(await certificates.statuses(), adminAudit, mail(), settings().notifications.adminEmails, texts());
    },
    async scheduledBackup() {
      const backups = settings().backups;
      if (!backups.enabled || !(await firstInWindow('scheduled-backup', backups.everyHours * HOUR_MS))) return null;
      return runScheduledBackup({ config, backups, env: env ?? process.env, adminAudit, log, now });
    },
    async expiryReminders() {
      const { enabled, timeOfDay } = settings().reminders;
      const today = reminderTimeToday(now(), timeOfDay);
      if (!enabled || now() < today || (await store.expiryReminders.completeBetween(today, today + DAY_MS))) return null;
      // The lock is per try, not per day: a run that stopped part-way is tried again an hour later.
      if (!(await firstInWindow('expiry-reminders', JOB_TRY_MS))) return null;
      return runReminders(signal);
    },
  };
}

/** Tries every job each `everyMs`; a failure is logged and the next try comes as usual. Returns the stop. */
export function scheduleJobs(jobs: Jobs, log: Log, everyMs = JOB_TRY_MS): () => void {
  const timer = setInterval(() => {
    const failed = (job: string) => (error: unknown) => log.error({ err: error }, `${job} failed`);
    void jobs.purgeAudit().catch(failed('audit purge'));
    void jobs.purgeExpired().catch(failed('purge of expired sessions, codes and counters'));
    void jobs.checkCertificates().catch(failed('certificate check'));
    void jobs.scheduledBackup().catch(failed('scheduled backup'));
    void jobs.expiryReminders().catch(failed('expiry reminders'));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
