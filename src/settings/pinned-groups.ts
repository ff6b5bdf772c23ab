/**
 * Groups named in the settings (helpdesk groups, groups with stricter password rules, the factor
 * policy's stricter groups) pinned to their SIDs. The admin names a group (a name, DN or SID); Latchkey
 * keeps the SID and DN it resolved to beside the name, and membership is checked against the SID
 * only. An entry keeps its identity while its name is unchanged, so a group created later with
 * the same name, in any OU, changes nothing; a new or changed name is resolved when saved.
 */
import type { GroupIdentity } from '../directory/directory.ts';
import { GroupAmbiguous, GroupNotFound } from '../directory/errors.ts';
import type { FieldError } from '../field-errors.ts';

/** Finds the one group a reference names (Directory.resolveGroup). */
export type ResolveGroup = (reference: string) => Promise<GroupIdentity>;

/** A settings entry that names a group and, once pinned, holds its SID and DN. */
export interface GroupEntry {
  group: string;
  sid?: string | undefined;
  dn?: string | undefined;
}

export interface PinnedGroups<Entry extends GroupEntry> {
  /** The entries, each with its SID and DN where it could be resolved (and without, where not). */
  groups: Entry[];
  /** One for each name that matches no group or several, naming the DNs. */
  errors: FieldError[];
}

/** The identity a pinned entry stands for; null for one that is not pinned (it grants nothing). */
export function pinnedIdentity(entry: GroupEntry): GroupIdentity | null {
  return entry.sid && entry.dn ? { sid: entry.sid, dn: entry.dn } : null;
}

/**
 * `submitted` pinned: an entry whose `group` is that of a pinned entry of `stored` keeps its
 * identity; any other is resolved now. What the admin typed as sid or dn is never trusted.
 */
export async function pinGroups<Entry extends GroupEntry>(submitted: Entry[], stored: Entry[], resolve: ResolveGroup): Promise<PinnedGroups<Entry>> {
  const groups: Entry[] = [];
  const errors: FieldError[] = [];
  for (const { sid: _typedSid, dn: _typedDn, ...entry } of submitted) {
    const kept = stored.map((old) => old.group === entry.group && pinnedIdentity(old)).find(Boolean);
    if (kept) {
      groups.push({ ...entry, ...kept } as Entry);
      continue;
    }
    try {
      groups.push({ ...entry, ...(await resolve(entry.group)) } as Entry);
    } catch (error) {
      if (!GroupNotFound.is(error) && !GroupAmbiguous.is(error)) throw error;
      const dns = GroupAmbiguous.is(error) ? error.details.dns.join('; ') : '';
      errors.push({ field: 'groups', code: error.code, params: { group: entry.group, dns } });
      groups.push(entry as Entry);
    }
  }
  return { groups, errors };
}
