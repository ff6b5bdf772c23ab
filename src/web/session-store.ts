/**
 * Flow state lives server-side, in the store's sessions table, behind a random session id in
 * a signed cookie. The adapter below is the store @fastify/session expects; the rows it keeps
 * them in are given by the composition root (the store's sessions repository).
 */
import type { SessionStore } from '@fastify/session';
import type { Session } from 'fastify';
import type { AccountSession } from '../flows/account.ts';
import type { AccountStepUp } from '../flows/account-factors.ts';
import type { AdminSession } from '../flows/admin/sign-in.ts';
import type { EnrollState, EnrollStepUp } from '../flows/enroll.ts';
import type { OperatorSession } from '../flows/helpdesk-guard.ts';
import type { PendingPasskey } from '../flows/passkey-management.ts';
import type { PendingTotp } from '../flows/totp.ts';
import type { VerificationState } from '../flows/verification-state.ts';
import type { DoneNotice } from './page-kit.ts';

declare module 'fastify' {
  interface Session {
    /** A reset or unlock in progress. */
    flow?: VerificationState;
    /** An enrollment between signing in and saving the answers, then setting up the app and recovery codes. */
    enroll?: EnrollState;
    /** An enrollment whose password was right, waiting for a code from the user's authenticator app. */
    enrollStepUp?: EnrollStepUp;
    /** A user signed in to their account pages. */
    account?: AccountSession;
    /** A passkey registration begun on /me/passkeys, until the browser's answer comes. */
    passkeyRegistration?: PendingPasskey;
    /** A sign-in to the account pages whose password was right, waiting for a code from the authenticator app. */
    accountStepUp?: AccountStepUp;
    /** An authenticator app being bound (in the account pages or at enrollment), until its first code. */
    totpBinding?: PendingTotp;
    /** Recovery codes just made, kept for their one download. */
    recoveryCodes?: string[];
    /** A helpdesk operator signed in. */
    operator?: OperatorSession;
    /** An administrator signed in to the console. */
    admin?: AdminSession;
    /** A finished flow's outcome, until its done page has been shown once. */
    done?: DoneNotice;
  }
}

/** Where sessions are kept: their data as JSON-compatible values, with an expiry. */
export interface SessionRows {
  /** Creates or replaces a session's data and expiry. */
  set(id: string, data: unknown, expiresAt: number): Promise<void>;
  /** The session's data, or null when it is absent or has expired. */
  get(id: string, now: number): Promise<unknown>;
  /** Ends a session. */
  destroy(id: string): Promise<void>;
}

/** Fallback lifetime for a session whose cookie has no expiry. */
const DEFAULT_LIFETIME_MS = 20 * 60_000;

export function sessionStore(sessions: SessionRows, now: () => number): SessionStore {
  return {
    set(id, session, callback) {
      const expires = session.cookie.expires ? new Date(session.cookie.expires).getTime() : now() + DEFAULT_LIFETIME_MS;
      sessions.set(id, session, expires).then(() => callback(), callback);
    },
    get(id, callback) {
      sessions.get(id, now()).then(
        (data) => callback(null, (data as Session | null) ?? null),
        (error: unknown) => callback(error),
      );
    },
    destroy(id, callback) {
      sessions.destroy(id).then(() => callback(), callback);
    },
  };
}
