/**
 * The keys derived from the server secret (kept encrypted in the database, shared by every
 * instance): a separate key per purpose, so a key leaked from one use (say, cookie signing) says
 * nothing about another (code hashing).
 */
import { hkdfSync } from 'node:crypto';

/** What each derived key is for. */
export type KeyPurpose = 'code-hash' | 'cookie' | 'decoy' | 'recovery-code';

export interface ServerKeys {
  /** HMAC key for verification codes. */
  codeHash: Buffer;
  /** Signs cookies (session id, CSRF secret). */
  cookie: Buffer;
  /** Seeds decoy questions and destinations for unknown names, the same every time per name. */
  decoy: Buffer;
  /** HMAC key for recovery codes. */
  recoveryCode: Buffer;
}

/** The per-purpose keys (HKDF-SHA-256) of a server secret. */
export function deriveKeys(secret: Buffer): ServerKeys {
  const derive = (purpose: KeyPurpose) => Buffer.from(hkdfSync('sha256', secret, 'latchkey', purpose, 32));
  return { codeHash: derive('code-hash'), cookie: derive('cookie'), decoy: derive('decoy'), recoveryCode: derive('recovery-code') };
}
