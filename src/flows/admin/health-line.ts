/** The lines of the dashboard's health list, each in words. */
import type { Translate } from '../../i18n/translate.ts';

export interface Health {
  /** A stable name (directory, mail, sms, certificate <name>, web certificate, scheduled backups, expiry reminders). */
  name: string;
  /** The name in words. */
  label: string;
  state: 'ok' | 'warn' | 'fail' | 'off';
  detail: string;
}

/**
 * A health line: its label is `admin.healthName.<key>`, its detail `admin.healthDetail.<key>.<variant>`
 * (the state, unless a finer reason is named) filled with `params`.
 */
export function line(
  ctx: { t: Translate },
  name: string,
  key: string,
  state: Health['state'],
  params: Record<string, string | number> = {},
  label: Record<string, string | number> = {},
  variant: string = state,
): Health {
  return { name, label: ctx.t(`admin.healthName.${key}`, label), state, detail: ctx.t(`admin.healthDetail.${key}.${variant}`, params) };
}
