/**
 * Why something failed, in words for the admin. The audit trail keeps stable codes and short
 * tags ("change: invalid-credentials", "LK_WRITE_OUTCOME_UNKNOWN"); the console says them as
 * sentences (resource strings `admin.reason.<tag>`), the tag itself only when it has none.
 */
import type { Translate } from '../../i18n/translate.ts';

/** "change: rate-limited" or "reset sign-in: disabled" → the tag after the colon. */
const TAGGED = /^[\w-]+(?: sign-in)?: ([\w-]+)$/;
const CODE = /^LK_[A-Z_]+/;

/** `detail` of a failure or refusal in words. */
export function reasonInWords(t: Translate, detail: string): string {
  const tag = TAGGED.exec(detail)?.[1] ?? CODE.exec(detail)?.[0] ?? detail;
  const key = `admin.reason.${tag}`;
  const words = t(key);
  if (words !== key) return words;
  // A code without an admin's wording: the message the person saw, unless it needs details the trail does not keep.
  const seen = t(tag);
  if (CODE.test(tag) && seen !== tag && !seen.includes('{')) return seen;
  return detail;
}
