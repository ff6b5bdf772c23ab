/**
 * `latchkey doctor`: checks an installation from the configuration to the mail server and says,
 * one line per check, what passed, what deserves a look (WARN) and what is broken (FAIL), each
 * failure with the fix. Nothing is changed on the way: a missing database is not created, an
 * old one not migrated (it is opened read-only, and pending migrations are reported for
 * `latchkey serve` to apply); the settings are read, not imported; no key file is created; the
 * delegation is read from the directory, never tried on an account; no message is sent.
 *
 * The checks, by area, are in doctor/; this runs them in order and prints each line.
 */
import type { Config } from '../config/schema.ts';
import type { StoreMigration } from '../store/migrations/index.ts';
import { breachedCheck } from './doctor/breached.ts';
import { webCertificateCheck } from './doctor/certificates.ts';
import { configCheck, databaseCheck } from './doctor/database.ts';
import { directoryChecks } from './doctor/directory.ts';
import { smsCheck, smtpCheck } from './doctor/notify.ts';
import { type CheckResult, failure, formatResult, skip } from './doctor/report.ts';
import { loadSettings } from './doctor/settings.ts';
import { type DatabaseLocation, type ExistingDatabase, exists, openExistingDatabase } from './existing-database.ts';

export { CERTIFICATE_WARN_DAYS, expiryStatus, webCertificateCheck } from './doctor/certificates.ts';
export { type CheckResult, type CheckStatus, formatResult } from './doctor/report.ts';

/** How runDoctor is run: the environment (LATCHKEY_MASTER_KEY) and where lines go. */
export interface DoctorOptions {
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  /** The clock for certificate expiry (tests). */
  now?: () => number;
  /** The migrations this Latchkey has (tests: one more leaves the database a migration behind). */
  migrations?: Readonly<Record<string, StoreMigration>>;
}

/**
 * Runs every check in order, printing each line as soon as it is known. Returns the exit code:
 * 0 when nothing failed (warnings allowed), 1 otherwise.
 */
export async function runDoctor(config: Config, options: DoctorOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => Date.now());
  let failed = false;
  const report = (result: CheckResult) => {
    failed ||= result.status === 'FAIL';
    for (const line of formatResult(result)) out(line);
  };

  report(await configCheck(config));
  report(webCertificateCheck(config, now()));
  report(breachedCheck(config));
  let database: ExistingDatabase | DatabaseLocation;
  try {
    database = await openExistingDatabase(config, options.migrations ? { migrations: options.migrations } : {});
  } catch (error) {
    report(failure('database', error, ['fix: check database.url (DATABASE_URL), and that the server answers, then run the doctor again']));
    return 1;
  }
  const existing = exists(database) ? database : null;
  try {
    const verdict = databaseCheck(database);
    report(verdict);
    if (verdict.status === 'FAIL') return 1;
    const loaded = await loadSettings(config, existing, options.env ?? process.env, now, report);
    if (!loaded) {
      skip(report, ['directory', 'smtp', 'sms'], 'the settings could not be read');
      return 1;
    }
    await directoryChecks(config, loaded, now, report);
    report(await smtpCheck(loaded.settings));
    report(await smsCheck(loaded.settings));
  } finally {
    await existing?.close();
  }
  return failed ? 1 : 0;
}
