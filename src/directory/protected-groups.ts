/**
 * AD's protected groups: members (transitively) are privileged, AdminSDHolder guards them, and
 * self-service refuses them by default. Matched by SID, never by name: names are
 * localised and can be renamed, SIDs cannot.
 */
import { ridOf } from './ad-values.ts';

/** Builtin groups (S-1-5-32-RID), the same in every domain. */
const BUILTIN: Readonly<Record<string, string>> = {
  'S-1-5-32-544': 'Administrators',
  'S-1-5-32-548': 'Account Operators',
  'S-1-5-32-549': 'Server Operators',
  'S-1-5-32-550': 'Print Operators',
  'S-1-5-32-551': 'Backup Operators',
};

/** Domain groups by RID; Enterprise and Schema Admins live in the forest root domain. */
const DOMAIN_RIDS: Readonly<Record<number, string>> = {
  512: 'Domain Admins',
  516: 'Domain Controllers',
  518: 'Schema Admins',
  519: 'Enterprise Admins',
  521: 'Read-only Domain Controllers',
  526: 'Key Admins',
  527: 'Enterprise Key Admins',
};

/** The well-known name of a protected group, or null when the SID is not one. */
export function protectedGroupName(sid: string): string | null {
  const builtin = BUILTIN[sid];
  if (builtin) return builtin;
  // Any domain of the forest: S-1-5-21-<three sub-authorities>-<RID>.
  if (/^S-1-5-21-\d+-\d+-\d+-\d+$/.test(sid)) return DOMAIN_RIDS[ridOf(sid)] ?? null;
  return null;
}
