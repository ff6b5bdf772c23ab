/** A settings section's validation issues as field errors the console can put in words. */
import type { z } from 'zod';
import type { FieldError } from '../field-errors.ts';

/**
 * Zod's issues as field errors named by their path inside the section, with what the console
 * needs to say them in words (src/flows/admin/setting-words.ts): the kind of issue and its limit.
 */
export function issueFieldErrors(issues: z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => {
    const field = issue.path.map(String).join('.') || 'form';
    const params: Record<string, string | number> = { field, reason: issue.message, issue: issue.code };
    if (issue.code === 'too_small' || issue.code === 'too_big') {
      params.limit = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      params.origin = issue.origin;
    }
    if (issue.code === 'invalid_type') params.expected = issue.expected;
    if (issue.code === 'invalid_value') params.allowed = issue.values.map(String).join(', ');
    if (issue.code === 'invalid_format') params.format = issue.format;
    return { field, code: 'LK_SETTING_INVALID', params };
  });
}
