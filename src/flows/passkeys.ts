/**
 * Passkeys (WebAuthn) as a verification factor. API agreed between the helpers: the `passkeys`
 * branch implements it; the bodies here are placeholders until then. The relying party's ID and
 * origin come from server.publicUrl, never from the request.
 */
import type { FlowContext } from './context.ts';

/** Options for navigator.credentials.get, as JSON for @simplewebauthn/browser: the same shape for every name. */
export interface PasskeyRequest {
  /** PublicKeyCredentialRequestOptionsJSON; `challenge` is also kept in the flow state. */
  options: { challenge: string } & Record<string, unknown>;
}

/** Fresh assertion options: discoverable credentials (no allowCredentials), user verification required. */
export async function passkeyRequest(_ctx: FlowContext): Promise<PasskeyRequest> {
  throw new Error('not implemented');
}

/**
 * Verifies an assertion (AuthenticationResponseJSON, as posted) against the challenge the flow
 * kept: the credential must belong to `accountGuid` (null, a decoy: never passes), its signature
 * verify, user verification be done and its counter move forward. Counting failures is the caller's.
 */
export async function verifyPasskey(_ctx: FlowContext, _accountGuid: string | null, _challenge: string, _response: unknown): Promise<'accepted' | 'wrong'> {
  throw new Error('not implemented');
}

/** How many passkeys `accountGuid` has registered. */
export async function passkeyCount(_ctx: FlowContext, _accountGuid: string): Promise<number> {
  throw new Error('not implemented');
}
