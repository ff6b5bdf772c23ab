/**
 * The settings of Latchkey's own password rules (the `passwordPolicy` section of the settings,
 * see schema.ts), applied to every new password on top of the directory's policy.
 */
import { z } from 'zod';
import { pinnedGroupFields } from './group-entry-schema.ts';

/** A run length limit: 0 (no limit) or at least 2. */
const runLength = () =>
  z
    .number()
    .int()
    .min(0)
    .max(64)
    .refine((value) => value !== 1, 'must be 0 (no limit) or at least 2');

/** The kinds of character a composition rule may require. */
export const CHARACTER_CLASSES = ['upper', 'lower', 'digit', 'symbol'] as const;
const characterClasses = z.array(z.enum(CHARACTER_CLASSES)).default([]);

/** Latchkey's password rules, and stricter ones per group. */
export const passwordPolicySchema = z
  .strictObject({
    /** Shortest new password (AD's minimum applies too; the longer wins); 15 is NIST's advice for a password used alone. */
    minLength: z.number().int().min(1).max(256).default(8),
    /** Longest new password (AD takes at most 256 characters in unicodePwd). */
    maxLength: z.number().int().min(64).max(256).default(256),
    /** Refuse passwords containing the account name, the UPN's local part, parts of the person's names or the organisation's name. */
    rejectNames: z.boolean().default(true),
    /** Words refused anywhere in a password, also disguised by substitutions (P@ssw0rd is password), any case. */
    bannedWords: z.array(z.string().trim().min(3).max(64)).max(5000).default([]),
    /** The longest run of one character allowed (3 refuses aaaa); 0 allows any. */
    maxRepeat: runLength().default(3),
    /** The longest ascending or descending run allowed (3 refuses abcd, 1234, 4321); 0 allows any. */
    maxSequence: runLength().default(3),
    /** Count runs along a keyboard row (qwer, asdf, 7890) as sequences too. */
    keyboardRuns: z.boolean().default(true),
    /** Character classes every new password must hold (off by default: length does more than composition). */
    composition: characterClasses,
    /** Stricter rules for members (transitively) of groups, pinned by SID like the helpdesk groups; the strictest value wins. */
    groups: z
      .array(
        z.strictObject({
          ...pinnedGroupFields,
          minLength: z.number().int().min(1).max(256).optional(),
          maxLength: z.number().int().min(64).max(256).optional(),
          bannedWords: z.array(z.string().trim().min(3).max(64)).max(5000).optional(),
          maxRepeat: runLength().optional(),
          maxSequence: runLength().optional(),
          composition: characterClasses.optional(),
        }),
      )
      .default([]),
  })
  .prefault({})
  .refine((policy) => policy.minLength <= policy.maxLength, { message: 'must not be above maxLength', path: ['minLength'] });
