/**
 * Stand-ins for the authenticator app, recovery code and passkey checks (src/flows/factor-checks.ts),
 * for the tests of the verification flow: each account's factors are set by the test, a decoy
 * (no account) never passes, and a passkey "assertion" is `{ id, challenge }` signed by nothing.
 * Declared in a suite, they are put in place before its tests and the real ones put back after.
 */
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { type FactorChecks, factorChecks } from '../flows/factor-checks.ts';

export interface FakeFactors {
  /** The code `guid`'s authenticator app shows now (unset: no app bound). */
  totp: Map<string, string>;
  /** `guid`'s unused recovery codes. */
  recovery: Map<string, Set<string>>;
  /** The credential id of `guid`'s passkey. */
  passkeys: Map<string, string>;
  /** Every challenge handed out, newest last. */
  challenges: string[];
}

export function fakeFactorChecks(): FakeFactors {
  const fake: FakeFactors = { totp: new Map(), recovery: new Map(), passkeys: new Map(), challenges: [] };
  const stand: FactorChecks = {
    hasTotp: async (_ctx, guid) => fake.totp.has(guid),
    checkTotpCode: async (_ctx, guid, code) => (guid !== null && fake.totp.get(guid) === code.trim() ? 'accepted' : 'wrong'),
    recoveryCodesLeft: async (_ctx, guid) => fake.recovery.get(guid)?.size ?? 0,
    async redeemRecoveryCode(_ctx, account, code) {
      const codes = account && fake.recovery.get(account.guid);
      return codes?.delete(code.trim()) ? { outcome: 'accepted', remaining: codes.size } : { outcome: 'wrong' };
    },
    passkeyCount: async (_ctx, guid) => (fake.passkeys.has(guid) ? 1 : 0),
    async passkeyRequest() {
      const challenge = randomBytes(32).toString('base64url');
      fake.challenges.push(challenge);
      return { options: { challenge, rpId: 'passwords.latchkey.test', userVerification: 'required', timeout: 120_000 } };
    },
    async verifyPasskey(_ctx, guid, challenge, response) {
      const { id, challenge: signed } = (response ?? {}) as { id?: string; challenge?: string };
      return guid !== null && id === fake.passkeys.get(guid) && signed === challenge ? 'accepted' : 'wrong';
    },
  };
  const real = { ...factorChecks };
  before(() => {
    Object.assign(factorChecks, stand);
  });
  after(() => {
    Object.assign(factorChecks, real);
  });
  return fake;
}
