/**
 * The master key: the one secret that lives outside the database. It encrypts every secret the
 * database holds (AES-256-GCM, a fresh nonce per value, the value's name as associated data), so
 * a database stolen without it yields no secret. It comes from LATCHKEY_MASTER_KEY, or from a
 * file created with owner-only permissions at first start.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createError } from '../errors.ts';

export const MasterKeyInvalid = createError<{ source: string; reason: string }>(
  'LK_MASTER_KEY_INVALID',
  (d) => `The master key in ${d.source} is unusable (${d.reason}). Restore the right key file, or set LATCHKEY_MASTER_KEY to the 32-byte key (hex or base64).`,
  500,
);

export const MasterKeyMismatch = createError<{ keyId: string; expected: string }>(
  'LK_MASTER_KEY_MISMATCH',
  (d) =>
    `The secrets in the database were encrypted with another master key (${d.expected}, this one is ${d.keyId}). ` +
    'Start Latchkey with the key that belongs to this database (restore its key file or LATCHKEY_MASTER_KEY); it will not run with secrets it cannot read.',
  500,
);

export const SecretCorrupt = createError<{ name: string }>(
  'LK_SECRET_CORRUPT',
  (d) => `The stored secret ${d.name} cannot be decrypted: it was altered or damaged. Enter it again in the admin console.`,
  500,
);

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

export interface MasterKey {
  /** A short public fingerprint of the key: shows which key encrypted a value. */
  readonly id: string;
  encrypt(name: string, plaintext: string): string;
  decrypt(name: string, stored: string): string;
}

/** A master key over `bytes`. */
export function masterKey(bytes: Buffer): MasterKey {
  if (bytes.length !== KEY_BYTES) throw new RangeError(`a master key has ${KEY_BYTES} bytes`);
  const id = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return {
    id,
    encrypt(name, plaintext) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', bytes, nonce);
      // The name is authenticated: a ciphertext moved to another setting does not decrypt.
      cipher.setAAD(Buffer.from(name, 'utf8'));
      const sealed = Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${FORMAT}:${id}:${sealed.toString('base64')}`;
    },
    decrypt(name, stored) {
      const [format, keyId, data] = stored.split(':');
      if (format !== FORMAT || !keyId || !data) throw SecretCorrupt({ name });
      if (keyId !== id) throw MasterKeyMismatch({ keyId: id, expected: keyId });
      const sealed = Buffer.from(data, 'base64');
      if (sealed.length < NONCE_BYTES + TAG_BYTES) throw SecretCorrupt({ name });
      const decipher = createDecipheriv('aes-256-gcm', bytes, sealed.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw SecretCorrupt({ name });
      }
    },
  };
}

function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length !== KEY_BYTES) throw MasterKeyInvalid({ source, reason: `${bytes.length} bytes, ${KEY_BYTES} needed` });
  return bytes;
}

/** The master key from LATCHKEY_MASTER_KEY or `file`; with `create`, a new file when neither exists. */
export function loadMasterKey(file: string, options: { env?: NodeJS.ProcessEnv; create?: boolean } = {}): MasterKey {
  const fromEnv = (options.env ?? process.env).LATCHKEY_MASTER_KEY;
  if (fromEnv) return masterKey(decodeKey(fromEnv, 'LATCHKEY_MASTER_KEY'));
  if (existsSync(file)) return masterKey(decodeKey(readFileSync(file, 'utf8'), file));
  if (!options.create) throw MasterKeyInvalid({ source: file, reason: 'the file does not exist' });
  const bytes = randomBytes(KEY_BYTES);
  writeKeyFile(file, bytes);
  return masterKey(bytes);
}

/** Writes a key file atomically with owner-only permissions. */
export function writeKeyFile(file: string, bytes: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.new`;
  writeFileSync(temporary, `${bytes.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

/** A fresh random key, for rotation. */
export function newKeyBytes(): Buffer {
  return randomBytes(KEY_BYTES);
}
