/**
 * The server secret and the keys derived from it. One random secret (a file created with owner-
 * only permissions at first start, or LATCHKEY_SECRET) yields a separate key per purpose, so a
 * key leaked from one use (say, cookie signing) says nothing about another (code hashing).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hkdfSync, randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { createError } from '../errors.ts';

export const SecretInvalid = createError<{ source: string; reason: string }>(
  'LK_SECRET_INVALID',
  (d) => `The server secret in ${d.source} is unusable (${d.reason}). Restore the right file, or set LATCHKEY_SECRET to at least 32 random bytes in hex or base64.`,
  500,
);

/** What each derived key is for. */
export type KeyPurpose = 'code-hash' | 'cookie' | 'decoy';

export interface ServerKeys {
  /** HMAC key for verification codes. */
  codeHash: Buffer;
  /** Signs cookies (session id, CSRF secret). */
  cookie: Buffer;
  /** Seeds decoy questions and destinations for unknown names, the same every time per name. */
  decoy: Buffer;
}

const SECRET_BYTES = 32;

/** Reads the secret from `env` or `file`, creating the file (mode 0600) when neither exists. */
export function loadServerSecret(file: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.LATCHKEY_SECRET;
  if (fromEnv) return decodeSecret(fromEnv, 'LATCHKEY_SECRET');
  if (existsSync(file)) return decodeSecret(readFileSync(file, 'utf8').trim(), file);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(SECRET_BYTES);
  writeFileSync(file, `${secret.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

/** The per-purpose keys (HKDF-SHA-256) of a server secret. */
export function deriveKeys(secret: Buffer): ServerKeys {
  const derive = (purpose: KeyPurpose) => Buffer.from(hkdfSync('sha256', secret, 'latchkey', purpose, 32));
  return { codeHash: derive('code-hash'), cookie: derive('cookie'), decoy: derive('decoy') };
}

function decodeSecret(text: string, source: string): Buffer {
  const bytes = /^[0-9a-f]+$/i.test(text) && text.length % 2 === 0 ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (bytes.length < SECRET_BYTES) throw SecretInvalid({ source, reason: `${bytes.length} bytes, at least ${SECRET_BYTES} needed` });
  return bytes;
}
