/**
 * `latchkey reminders [--dry-run]`: the day's password-expiry reminders now, as the daily job
 * sends them (once per reminder per password: a reminder the job sent is not sent again), or,
 * dry, the list of who would get which reminder today and whose password has already expired,
 * without sending or recording anything.
 */
import type { Writable } from 'node:stream';
import { createApp } from '../app.ts';
import type { Config } from '../config/schema.ts';
import type { DueReminder } from '../flows/expiry-reminders.ts';

/** One line per reminder due: account, which reminder, when the password expires, where it goes. */
export function dueLine({ account, leadDays, daysLeft, to }: DueReminder): string {
  const where = [to.email && `e-mail ${to.email}`, to.sms && `text ${to.sms}`].filter(Boolean).join(', ');
  return `${account.samAccountName}\t${leadDays}-day reminder\texpires ${account.expiresAt.toISOString()} (in ${daysLeft} days)\t${where}\n`;
}

/** Runs (or lists) the reminders; 0 when the run completed, 1 when it stopped part-way. */
export async function runRemindersCommand(config: Config, { dryRun, out, log }: { dryRun: boolean; out: Writable; log: Writable }): Promise<number> {
  // The log goes to stderr at warn: stdout is the list, for a pipe or a file.
  const app = await createApp(config, { logger: { level: 'warn', stream: log } });
  try {
    const report = await app.reminders({
      dryRun,
      ...(dryRun
        ? {
            onDue: (due: DueReminder) => out.write(dueLine(due)),
            onExpired: (account) => out.write(`${account.samAccountName}\texpired ${account.expiresAt.toISOString()}\n`),
          }
        : {}),
    });
    const verb = dryRun ? 'Would send' : 'Sent';
    out.write(
      `${verb} ${report.sent} reminders (${report.failed} failed, ${report.alreadySent} sent before, ${report.noAddress} without an address) ` +
        `after reading ${report.scanned} accounts; ${report.expired} passwords have already expired.` +
        `${report.detail ? ` The run stopped: ${report.detail}` : ''}\n`,
    );
    return report.outcome === 'complete' ? 0 : 1;
  } finally {
    await app.close();
  }
}
