/** What the passkey tests share: an account for the flows, and a passkey registered through the real flow. */
import { randomUUID } from 'node:crypto';
import type { FlowContext } from '../flows/context.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration, type PasskeyOwner, type RegistrationOutcome } from '../flows/passkey-management.ts';
import { someone } from './flow-context.ts';
import { type Overrides, type SoftAuthenticator, softAuthenticator } from './soft-authenticator.ts';

/** The test harness's server.publicUrl. */
export const ORIGIN = 'https://passwords.latchkey.test';

/** An account as the flows see it; registering a passkey asks nothing of the directory. */
export function someOwner(): PasskeyOwner {
  const guid = randomUUID();
  return { guid, samAccountName: `pk-${guid.slice(0, 8)}`, displayName: 'Pat Passkey' };
}

/** Registers a new soft authenticator's passkey for `owner` (answer tampered with `overrides`). */
export async function register(
  ctx: FlowContext,
  owner: PasskeyOwner,
  options: { name?: string; overrides?: Overrides; authenticator?: SoftAuthenticator } = {},
): Promise<{ authenticator: SoftAuthenticator; outcome: RegistrationOutcome }> {
  const authenticator = options.authenticator ?? softAuthenticator(ORIGIN);
  const begun = await beginPasskeyRegistration(ctx, owner);
  const response = authenticator.register(begun.options as { challenge: string; rp: { id: string } }, options.overrides);
  const outcome = await finishPasskeyRegistration(ctx, owner, begun.pending, { name: options.name ?? '', response: JSON.stringify(response) }, someone());
  return { authenticator, outcome };
}
