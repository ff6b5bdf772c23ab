/**
 * The checks on a new password, the same on every page that sets one: what the typed text alone
 * shows; Latchkey's rules (with the stricter ones of the account's groups) and the directory's
 * policy; then screening against breached and common passwords. A refused password never
 * reaches the DC; each refusal is audited by its rule. A DC's own refusal becomes a field error.
 */
import type { DirectoryUser } from '../directory/directory.ts';
import type { PasswordPolicy } from '../directory/password-policy.ts';
import { LatchkeyError } from '../errors.ts';
import type { FieldError } from '../field-errors.ts';
import { pageFormats } from '../i18n/page-language.ts';
import { classesInWords, type RulesList, ruleHints } from '../passwords/hints.ts';
import { type LatchkeyRules, passwordRules, strictest } from '../passwords/policy.ts';
import { type RefusedRule, refusalDetail } from '../passwords/refusals.ts';
import { checkRules, type PasswordRules, type Refusal } from '../passwords/rules.ts';
import { NO_SCREEN, type ScreenVerdict } from '../passwords/screen.ts';
import { pinnedIdentity } from '../settings/pinned-groups.ts';
import type { FlowContext } from './context.ts';
import { groupsHeld } from './signed-in.ts';

/** Codes of the password rules a DC can name. */
const POLICY_CODES = new Set([
  'LK_PASSWORD_TOO_SHORT',
  'LK_PASSWORD_TOO_SIMPLE',
  'LK_PASSWORD_RECENTLY_USED',
  'LK_PASSWORD_CHANGED_TOO_RECENTLY',
  'LK_PASSWORD_REJECTED',
]);

/** What is wrong with a new password typed twice, judged on the typed text alone (the same for every account). */
export function typedPasswordErrors(password: string, confirm: string, field = 'password'): FieldError[] {
  if (password === '') return [{ field, code: 'LK_PASSWORD_REQUIRED' }];
  if (password !== confirm) return [{ field: 'confirm', code: 'LK_PASSWORDS_DIFFER' }];
  return [];
}

/** The rules that apply to `user`: Latchkey's with its groups' stricter ones, the directory's policy, and both joined. */
export interface ApplicableRules {
  latchkey: LatchkeyRules;
  directory: PasswordPolicy;
  rules: PasswordRules;
}

/** Reads the account's groups (only when group policies exist) and its directory policy (unless the flow has it). */
export async function applicableRules(ctx: FlowContext, user: DirectoryUser, known?: PasswordPolicy): Promise<ApplicableRules> {
  const settings = ctx.policy.passwordPolicy;
  const groups = settings.groups.length ? await groupsHeld(ctx, user, settings.groups, pinnedIdentity) : [];
  const latchkey = strictest(settings, groups);
  const directory = known ?? (await ctx.directory.passwordPolicy(user));
  return { latchkey, directory, rules: passwordRules(latchkey, directory, { account: user, organisation: ctx.policy.ui.organisation }) };
}

/** The rules list shown before typing: the account's when known, else only what applies to everyone. */
export async function rulesList(ctx: FlowContext, user: DirectoryUser | null): Promise<RulesList> {
  const screening = ctx.screen !== NO_SCREEN;
  if (!user) return ruleHints({ rules: strictest(ctx.policy.passwordPolicy, []), directory: null, names: null, screening, t: ctx.t });
  const { latchkey, directory, rules } = await applicableRules(ctx, user);
  return ruleHints({ rules: latchkey, directory, names: rules.names, screening, t: ctx.t });
}

/** How a flow records what the checks found: a refusal by rule, or screening's warning. */
export type PasswordReport = (entry: { action: 'password-refused' | 'password-warning'; outcome: 'refused' | 'success'; detail: string }) => Promise<void>;

/** Where a new password is checked: the form field it came from, the flow (for the audit) and its recorder. */
export interface PasswordCheck {
  field?: string;
  flow: 'reset' | 'change' | 'me' | 'helpdesk';
  report: PasswordReport;
  /** The account's directory policy, when the flow read it moments ago (one read fewer). */
  directoryPolicy?: PasswordPolicy;
}

/** One of Latchkey's refusals as a field error in plain words. */
function refusalError(ctx: FlowContext, refusal: Refusal, field: string): FieldError {
  switch (refusal.rule) {
    case 'min-length':
      return { field, code: 'LK_PASSWORD_TOO_SHORT', params: refusal.params };
    case 'max-length':
      return { field, code: 'LK_PASSWORD_TOO_LONG', params: refusal.params };
    case 'no-name':
      return { field, code: 'LK_PASSWORD_CONTAINS_NAME' };
    case 'banned-words':
      return { field, code: 'LK_PASSWORD_BANNED_WORD', params: refusal.params };
    case 'no-repeats':
      return { field, code: 'LK_PASSWORD_REPEATS', params: { max: refusal.params.max, count: refusal.params.max + 1 } };
    case 'no-sequences':
      return { field, code: 'LK_PASSWORD_SEQUENCE', params: { max: refusal.params.max, count: refusal.params.max + 1 } };
    case 'composition':
      return { field, code: 'LK_PASSWORD_COMPOSITION', params: { missing: classesInWords(ctx.t, refusal.params.missing) } };
    case 'complexity':
      // Enough kinds of character, but a name in it: that alone is said.
      if (refusal.params.short === 0) return { field, code: 'LK_PASSWORD_CONTAINS_NAME' };
      return { field, code: 'LK_PASSWORD_COMPLEXITY', params: { short: refusal.params.short, missing: classesInWords(ctx.t, refusal.params.missing) } };
  }
}

/** Screening's verdict as a refusal (rule and field error), or null when the password may be used. */
function screenRefusal(ctx: FlowContext, verdict: ScreenVerdict, field: string): { rule: RefusedRule; error: FieldError } | null {
  switch (verdict.outcome) {
    case 'breached': {
      const count = pageFormats(ctx.policy.ui.language).number(verdict.count);
      return { rule: 'breached', error: { field, code: 'LK_PASSWORD_BREACHED', params: { count } } };
    }
    case 'common':
      return { rule: 'common', error: { field, code: 'LK_PASSWORD_COMMON' } };
    case 'unavailable':
      return { rule: 'screen-unavailable', error: { field, code: 'LK_PASSWORD_SCREEN_UNAVAILABLE' } };
    default:
      return null;
  }
}

/**
 * Screens `password` (after the rules passed), unless its `verdict` is already known; a refusal
 * is audited by its rule, and a clear verdict given without the online check as a warning.
 */
export async function screenErrors(ctx: FlowContext, password: string, check: PasswordCheck, known?: ScreenVerdict): Promise<FieldError[]> {
  const verdict = known ?? (await ctx.screen.check(password));
  const refused = screenRefusal(ctx, verdict, check.field ?? 'password');
  if (refused) {
    await check.report({ action: 'password-refused', outcome: 'refused', detail: refusalDetail(refused.rule, check.flow) });
    return [refused.error];
  }
  if (verdict.outcome === 'clear' && verdict.warning)
    await check.report({ action: 'password-warning', outcome: 'success', detail: `${verdict.warning}; ${check.flow}` });
  return [];
}

/**
 * Checks a new password typed twice for `user`: typing, then every rule that applies, then
 * screening. The errors (each refusal audited by its rule), or none.
 */
export async function newPasswordErrors(ctx: FlowContext, user: DirectoryUser, password: string, confirm: string, check: PasswordCheck): Promise<FieldError[]> {
  const field = check.field ?? 'password';
  const typing = typedPasswordErrors(password, confirm, field);
  if (typing.length) return typing;
  const { rules } = await applicableRules(ctx, user, check.directoryPolicy);
  const refusals = checkRules(rules, password);
  for (const refusal of refusals) await check.report({ action: 'password-refused', outcome: 'refused', detail: refusalDetail(refusal.rule, check.flow) });
  if (refusals.length) return refusals.map((refusal) => refusalError(ctx, refusal, field));
  return screenErrors(ctx, password, check);
}

/** A DC's rejection of a password as a field error; other errors are not the user's to fix. */
export function policyFieldError(error: unknown, field = 'password'): FieldError | null {
  if (!(error instanceof LatchkeyError) || !POLICY_CODES.has(error.code)) return null;
  const minLength = error.details.minLength;
  return { field, code: error.code, ...(typeof minLength === 'number' ? { params: { minLength } } : {}) };
}
