/** Typed account names as keys: every spelling of one name gives the same key, known account or not. */
import { canonicalAccountName } from '../directory/account-name.ts';
import { nameKey } from '../security/decoy.ts';
import type { FlowContext } from './context.ts';

/** The canonical form of a typed name (and Domain field), and its keyed fingerprint: what limits, lockouts and decoys are keyed by. */
export async function typedName(ctx: FlowContext, name: string, domain: string | undefined): Promise<{ canonical: string; key: string }> {
  const canonical = canonicalAccountName(name, domain, await ctx.directory.domain());
  return { canonical, key: nameKey(ctx.keys.decoy, canonical) };
}

/** The keyed fingerprint of the canonical form of a typed name. */
export async function typedNameKey(ctx: FlowContext, name: string, domain: string | undefined): Promise<string> {
  return (await typedName(ctx, name, domain)).key;
}

/** The name keys of an account's own names (sAMAccountName and UPN): what its owner's spellings reduce to. */
export async function accountNameKeys(ctx: FlowContext, user: { sam: string; upn?: string | null }): Promise<string[]> {
  const names = [user.sam, ...(user.upn ? [user.upn] : [])];
  return [...new Set(await Promise.all(names.map((name) => typedNameKey(ctx, name, undefined))))];
}
