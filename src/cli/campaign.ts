/**
 * `latchkey campaign --dry-run`: who the enrollment campaign would invite now, and why the others
 * would not be, from the settings in the database. Nothing is sent or recorded; the campaign
 * itself runs inside `latchkey serve`.
 */
import { createApp } from '../app.ts';
import type { Config } from '../config/schema.ts';
import { type CampaignRun, campaignBases, runEnrollmentCampaign } from '../flows/enrollment-campaign.ts';

/** The dry run's report, in words. */
export function campaignReport(run: CampaignRun, bases: string[], settings: { enabled: boolean; everyDays: number; maxInvitations: number }): string {
  const lines = [
    `Enrollment campaign, dry run: nothing is sent. Campaigns are ${settings.enabled ? 'on' : 'off'}; every ${settings.everyDays} days, at most ${settings.maxInvitations} invitations a person.`,
    `${run.examined} accounts examined in ${bases.join('; ') || '(no search base)'}.`,
    `Would invite ${run.invited.length}${run.invited.length ? ':' : '.'}`,
    ...run.invited.map((invited) => `  ${invited.account} (invitation ${invited.nth} of ${settings.maxInvitations})`),
  ];
  const passed = Object.entries(run.passed).map(([reason, count]) => `${reason} ${count}`);
  if (passed.length) lines.push(`Not invited: ${passed.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}

/** Runs the campaign as a dry run against the configured directory and database. */
export async function runCampaignDryRun(config: Config, env?: NodeJS.ProcessEnv): Promise<string> {
  const app = await createApp(config, { logger: false, ...(env ? { env } : {}) });
  try {
    const run = await runEnrollmentCampaign(app.ctx, { dryRun: true });
    return campaignReport(run!, campaignBases(app.ctx), app.ctx.policy.campaigns);
  } finally {
    await app.close();
  }
}
