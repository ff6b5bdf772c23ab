/**
 * The settings of enrollment campaigns (the `campaigns` section, see schema.ts): people who have
 * not enrolled, or lack what the factor policy asks of them, are invited to enroll by e-mail on a
 * cycle, a limited number of times, optionally only in some groups or search bases.
 */
import { z } from 'zod';
import { pinnedGroupFields } from './group-entry-schema.ts';

export const campaignsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** Days between two invitations to the same person. */
    everyDays: z.number().int().min(1).max(365).default(7),
    /** Invitations a person gets at most. */
    maxInvitations: z.number().int().min(1).max(20).default(3),
    /** Invite only members (nested too) of these groups (name, DN or SID; pinned to the SID when saved); empty: everyone. */
    groups: z.array(z.strictObject({ ...pinnedGroupFields })).default([]),
    /** Invite only users in these subtrees of directory.searchBases; empty: all of directory.searchBases. */
    searchBases: z.array(z.string().min(3)).default([]),
  })
  .prefault({});
