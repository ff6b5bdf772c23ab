/**
 * The language a person last used the portal in, kept as their preference so that what is sent
 * to them later (reminders, notices, a code the helpdesk sends them) speaks it.
 */
import { isLanguage } from '../i18n/languages.ts';
import type { FlowContext } from './context.ts';

/** The preference's name in the preferences table (owner: the account's objectGUID). */
const PREFERENCE = 'language';

/** The person's language (a supported tag), or undefined when none is known. */
export async function preferredLanguage(ctx: Pick<FlowContext, 'store'>, accountGuid: string): Promise<string | undefined> {
  const stored = await ctx.store.preferences.get(accountGuid, PREFERENCE);
  return isLanguage(stored) ? stored : undefined;
}

/** Remembers the language a person used, keyed by their objectGUID (written only when it changed). */
export async function rememberLanguage(ctx: Pick<FlowContext, 'store' | 'now'>, accountGuid: string, language: string | undefined): Promise<void> {
  if (!isLanguage(language) || (await preferredLanguage(ctx, accountGuid)) === language) return;
  await ctx.store.preferences.set(accountGuid, PREFERENCE, language, ctx.now());
}
