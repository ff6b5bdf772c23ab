/**
 * The language a person last used the portal in, kept as their preference so that what is sent
 * to them later (reminders, notices, invitations) speaks it.
 */
import type { FlowContext } from './context.ts';

/** The person's language (a supported tag), or undefined when none is known. */
export async function preferredLanguage(_ctx: Pick<FlowContext, 'store'>, _accountGuid: string): Promise<string | undefined> {
  return undefined;
}

/** Remembers the language a person used, keyed by their objectGUID. */
export async function rememberLanguage(_ctx: Pick<FlowContext, 'store'>, _accountGuid: string, _language: string | undefined): Promise<void> {}
