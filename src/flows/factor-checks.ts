/**
 * The checks of the authenticator app, recovery code and passkey factors, as the verification
 * flow reaches them: through this one object, so that a test can put a stand-in in their place
 * (src/testing/factor-checks.ts) and the flow never imports them directly.
 */
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
