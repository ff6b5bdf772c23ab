/**
 * The one rule for "is this user in that configured group": the user's memberships, as
 * `groupsOf` lists them (transitively, primary group included), hold the group's SID. Never by
 * name or DN: anyone allowed to create a group can give it any name, in any OU.
 */
import type { GroupIdentity, GroupMembership } from './directory.ts';

/** Whether `memberships` include the group pinned as `group`. */
export function holdsGroup(memberships: readonly GroupMembership[], group: GroupIdentity): boolean {
  return memberships.some((held) => held.sid !== '' && held.sid === group.sid);
}
