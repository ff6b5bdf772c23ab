/**
 * The factor policy's settings (the `factors` section): which ways of proving who you are reset
 * and unlock take, as alternatives of "at least N of these factors", with stricter rules for AD
 * groups. Refused when an alternative could not be met with the factors offered.
 */
import { z } from 'zod';
import { pinnedGroupFields } from './group-entry-schema.ts';

/** The ways of proving who you are: questions, a one-time code (e-mail or SMS), an authenticator app, a passkey, a recovery code. */
export const FACTORS = ['questions', 'code', 'totp', 'passkey', 'recovery'] as const;
const factor = z.enum(FACTORS);

/** "At least `need` of the factors `of`"; a rule is a list of these, any one of which suffices. */
const factorRule = z
  .array(
    z
      .strictObject({
        /** How many of the factors listed must pass (at least 1). */
        need: z.number().int().min(1).max(FACTORS.length),
        /** The factors that count toward `need`; list `recovery` where a recovery code may stand in for one. */
        of: z.array(factor).min(1),
      })
      .refine((alternative) => new Set(alternative.of).size === alternative.of.length, { message: 'lists a factor twice', path: ['of'] })
      .refine((alternative) => alternative.need <= alternative.of.length, { message: 'need must not be more than the factors listed', path: ['need'] }),
  )
  .min(1);

export const factorsSchema = z
  .strictObject({
    /** The factors people may use and set up (questions left out: no questions are asked nor enrolled). */
    offered: z.array(factor).min(1).default(['questions', 'code']),
    /** Reset: the alternatives, any one of which proves who you are. */
    reset: factorRule.default([{ need: 2, of: ['questions', 'code'] }]),
    /** Unlock: the alternatives, any one of which proves who you are. */
    unlock: factorRule.default([{ need: 2, of: ['questions', 'code'] }]),
    /** Stricter rules for members of AD groups (name, DN or SID); a member of several must meet each group's rule. */
    groups: z
      .array(
        z.strictObject({
          ...pinnedGroupFields,
          /** Replaces the reset rule for members (unset: the reset rule above). */
          reset: factorRule.optional(),
          /** Replaces the unlock rule for members (unset: the unlock rule above). */
          unlock: factorRule.optional(),
        }),
      )
      .default([]),
  })
  .superRefine((factors, context) => {
    // Every alternative must be one a person can meet with the factors offered.
    const rules = [
      { path: ['reset'], rule: factors.reset },
      { path: ['unlock'], rule: factors.unlock },
      ...factors.groups.flatMap((group, i) => [
        { path: ['groups', i, 'reset'], rule: group.reset ?? [] },
        { path: ['groups', i, 'unlock'], rule: group.unlock ?? [] },
      ]),
    ];
    for (const { path, rule } of rules) {
      rule.forEach((alternative, i) => {
        const usable = alternative.of.filter((listed) => factors.offered.includes(listed)).length;
        if (usable < alternative.need) {
          context.addIssue({
            code: 'custom',
            path: [...path, i, 'of'],
            message: `needs ${alternative.need} of ${alternative.of.join(', ')}, but only ${usable} of these are offered`,
          });
        }
      });
    }
  });

/** A verification factor. */
export type Factor = (typeof FACTORS)[number];
/** The factor policy as the admin set it. */
export type FactorSettings = z.infer<typeof factorsSchema>;
/** One alternative of a factor rule: at least `need` of `of`. */
export type FactorAlternative = FactorSettings['reset'][number];
/** A stricter rule for members of an AD group. */
export type FactorGroup = FactorSettings['groups'][number];
