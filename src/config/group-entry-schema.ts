/**
 * The fields every settings entry that names an AD group carries (helpdesk groups, stricter
 * password rules, stricter factor rules): the group as the admin names it, and the SID and DN
 * Latchkey pins it to when the entry is saved (src/settings/pinned-groups.ts).
 */
import { z } from 'zod';

/** Spread into an entry's strictObject: `{ ...pinnedGroupFields, …the entry's own fields }`. */
export const pinnedGroupFields = {
  /** The group: a name, DN or SID. */
  group: z.string().min(1),
  /** Filled in by Latchkey when saved: the SID `group` names; membership is checked against it only. */
  sid: z
    .string()
    .regex(/^S-1-\d+(-\d+)+$/, 'must be a SID (S-1-5-21-…)')
    .optional(),
  /** Filled in by Latchkey with the SID: the group's DN when it was resolved, for display. */
  dn: z.string().min(3).optional(),
};
