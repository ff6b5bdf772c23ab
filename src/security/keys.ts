/**
 * The keys derived from the server secret (kept encrypted in the database, shared by every
 * instance): a separate key per purpose, so a key leaked from one use (say, cookie signing) says
 * nothing about another (code hashing).
 */
import { hkdfSync } from 'node:crypto';

/** What each derived key is for. */
export type KeyPurpose = 'code-hash' | 'cookie' | 'decoy' | 'passkey-challenge' | 'recovery-code';

export interface ServerKeys {
  /** HMAC key for verification codes. */
  codeHash: Buffer;
  /** Signs cookies (session id, CSRF secret). */
  cookie: Buffer;
  /** Seeds decoy questions and destinations for unknown names, the same every time per name. */
  decoy: Buffer;
  /** Seals passkey challenges (their expiry), so that only challenges this portal issued are checked. */
  passkeyChallenge: Buffer;
  /** HMAC key for recovery codes. */
  recoveryCode: Buffer;
}

/** The per-purpose keys (HKDF-SHA-256) of a server secret. */
export function deriveKeys(secret: Buffer): ServerKeys {
  const derive = (purpose: KeyPurpose) => Buffer.from(hkdfSync('sha256', secret, 'latchkey', purpose, 32));
  return {
    codeHash: derive('code-hash'),
    cookie: derive('cookie'),
    decoy: derive('decoy'),
    passkeyChallenge: derive('passkey-challenge'),
    recoveryCode: derive('recovery-code'),
  };
}
