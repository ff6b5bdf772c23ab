/**
 * The checks of the authenticator app, recovery code and passkey factors, as the verification
 * flow reaches them: through this one object, so that a test can put a stand-in in their place
 * (src/testing/factor-checks.ts) and the flow never imports them directly.
 */
import type { FlowContext } from './context.ts';
import { passkeyCount, passkeyRequest, verifyPasskey } from './passkeys.ts';
import { recoveryCodesLeft, redeemRecoveryCode } from './recovery-codes.ts';
import { checkTotpCode, hasTotp } from './totp.ts';

export interface FactorChecks {
  hasTotp: typeof hasTotp;
  checkTotpCode: typeof checkTotpCode;
  recoveryCodesLeft: typeof recoveryCodesLeft;
  redeemRecoveryCode: typeof redeemRecoveryCode;
  passkeyCount: typeof passkeyCount;
  passkeyRequest: typeof passkeyRequest;
  verifyPasskey: typeof verifyPasskey;
}

/** The checks in force; tests replace members and put them back. */
export const factorChecks: FactorChecks = { hasTotp, checkTotpCode, recoveryCodesLeft, redeemRecoveryCode, passkeyCount, passkeyRequest, verifyPasskey };

/** A factor set up outside the enrollment. */
export type SetUpElsewhere = 'totp' | 'passkey' | 'recovery';

/**
 * How many accounts have each of these factors set up, for the dashboard: read from their own
 * repositories, which the app, recovery code and passkey modules bring (null: not counted).
 */
export const factorCounts: Record<SetUpElsewhere, (store: FlowContext['store']) => Promise<number | null>> = {
  totp: async () => null,
  passkey: async () => null,
  recovery: async () => null,
};
