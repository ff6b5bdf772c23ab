/**
 * What the service account may do beyond what Latchkey needs, judged from the explicit ACEs of
 * a container's DACL: Latchkey needs Reset Password, write lockoutTime and pwdLastSet, write of
 * the profile attributes users may edit, and reading. Any other right granted to the account
 * (or a group it is in) is power a stolen portal would hand over.
 */
import { LOCKOUT_TIME_GUID, mapGeneric, PWD_LAST_SET_GUID, RESET_PASSWORD_GUID } from './delegation.ts';
import { type Ace, INHERITED_ACE, RIGHT_DS_CONTROL_ACCESS, RIGHT_DS_READ_PROPERTY, RIGHT_DS_WRITE_PROPERTY } from './security-descriptor.ts';

/** List children, read property, list object, read permissions: reading never gives power. */
const READ_RIGHTS = 0x0000_0004 | RIGHT_DS_READ_PROPERTY | 0x0000_0080 | 0x0002_0000;
/** The generic bits, replaced by what they stand for before judging. */
const GENERIC_BITS = 0xf000_0000;

/** The other access bits, by the letters dsacls shows them with. */
const RIGHT_LETTERS: readonly [number, string][] = [
  [0x0000_0001, 'CC'],
  [0x0000_0002, 'DC'],
  [0x0000_0008, 'WS'],
  [RIGHT_DS_WRITE_PROPERTY, 'WP'],
  [0x0000_0040, 'DT'],
  [RIGHT_DS_CONTROL_ACCESS, 'CA'],
  [0x0001_0000, 'SD'],
  [0x0004_0000, 'WD'],
  [0x0008_0000, 'WO'],
];

/**
 * Groups every account is in: Everyone, NETWORK, Authenticated Users, BUILTIN\Users,
 * Pre-Windows 2000 Compatible Access, and the domain's Domain Users. What they are granted is
 * the domain's posture for all accounts, not this account's privilege, and nothing done to the
 * service account changes it; counting them would report the domain's default ACLs on every
 * installation and hide the grants that are the account's own.
 */
export function broadGroupSids(domainSid: string): Set<string> {
  return new Set(['S-1-1-0', 'S-1-5-2', 'S-1-5-11', 'S-1-5-32-545', 'S-1-5-32-554', `${domainSid}-513`]);
}

/** The SIDs whose grants count as the account's: its own and its groups', less the broad ones. */
export function ownSids(accountSid: string, groupSids: readonly string[], domainSid: string): Set<string> {
  const broad = broadGroupSids(domainSid);
  return new Set([accountSid, ...groupSids].filter((sid) => !broad.has(sid)));
}

/** The attributes Latchkey writes: lockoutTime, pwdLastSet, and the editable profile attributes (schemaIDGUIDs). */
export function neededWrites(profileAttributeGuids: readonly string[]): Set<string> {
  return new Set([LOCKOUT_TIME_GUID, PWD_LAST_SET_GUID, ...profileAttributeGuids.map((guid) => guid.toLowerCase())]);
}

/** One right beyond the needed ones, granted by an explicit ACE. */
export interface ExtraGrant {
  /** The trustee of the ACE: the account's SID or one of its groups'. */
  sid: string;
  /** dsacls' letters for the extra access bits (WP, CA, WD, GA's parts ...). */
  rights: string[];
  /** The property, property set, extended right or class the ACE is limited to; null: all of them. */
  objectType: string | null;
}

/**
 * The extra rights the explicit allow ACEs of `dacl` grant to `sids`. Inherited ACEs are left
 * out: they are found, once, on the container they come from. Denies never add a right.
 */
export function extraGrants(dacl: readonly Ace[] | null, sids: ReadonlySet<string>, writes: ReadonlySet<string>): ExtraGrant[] {
  const grants: ExtraGrant[] = [];
  for (const ace of dacl ?? []) {
    if (ace.kind !== 'allow' || ace.flags & INHERITED_ACE || !sids.has(ace.sid)) continue;
    let mask = (mapGeneric(ace.mask) & ~GENERIC_BITS & ~READ_RIGHTS) >>> 0;
    if (ace.objectType && writes.has(ace.objectType)) mask &= ~RIGHT_DS_WRITE_PROPERTY;
    if (ace.objectType === RESET_PASSWORD_GUID) mask &= ~RIGHT_DS_CONTROL_ACCESS;
    const rights = RIGHT_LETTERS.filter(([bit]) => mask & bit).map(([, letters]) => letters);
    if (rights.length) grants.push({ sid: ace.sid, rights, objectType: ace.objectType });
  }
  return grants;
}

/** Days between `lastSet` and `now`, rounded down. */
export function passwordAgeDays(lastSet: Date, now: number): number {
  return Math.floor((now - lastSet.getTime()) / 86_400_000);
}

/** How the service account's password age is judged. */
export type PasswordAgeVerdict = { status: 'must-change' } | { status: 'unknown' } | { status: 'fresh' | 'old'; days: number };

/**
 * The service account's password: it must not have to change at next logon (its bind would
 * fail), and should have been changed within `maxDays`.
 */
export function passwordAgeVerdict(state: { mustChangePassword: boolean; passwordLastSet: Date | null }, now: number, maxDays: number): PasswordAgeVerdict {
  if (state.mustChangePassword) return { status: 'must-change' };
  if (!state.passwordLastSet) return { status: 'unknown' };
  const days = passwordAgeDays(state.passwordLastSet, now);
  return { status: days > maxDays ? 'old' : 'fresh', days };
}
