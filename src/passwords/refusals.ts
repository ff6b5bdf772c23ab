/**
 * How a refused new password is named in the audit trail and the metrics: by its rule (one of
 * Latchkey's, or what screening found), never by the password or its hash.
 */
import type { RuleId } from './rules.ts';

/** A rule a new password was refused by: Latchkey's own, or screening's verdict. */
export type RefusedRule = RuleId | 'breached' | 'common' | 'screen-unavailable';

/** The audit detail of a refusal by `rule` in `flow` (reset, change, me, helpdesk). */
export function refusalDetail(rule: RefusedRule, flow: string): string {
  return `${rule}; ${flow}`;
}

/** The rule an audit detail written by refusalDetail names. */
export function refusedRule(detail: string | null | undefined): string {
  return (detail ?? '').split(';')[0]!.trim() || 'unknown';
}
