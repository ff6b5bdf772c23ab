/**
 * Master keys and the ring that holds them. Each key encrypts with AES-256-GCM (a fresh nonce
 * per value, the value's name as associated data) and stamps its id on every ciphertext, so a
 * ring of several keys opens each value with the key that sealed it: during a rotation old and
 * new ciphertexts live side by side and nothing needs to know which is which in advance.
 *
 * The ring's text (the key file, LATCHKEY_MASTER_KEY, a backup's record) is one entry per key,
 * oldest first: `<id>:<key>` or a bare key (a key file from before rings), the key as 32 bytes
 * in hex or base64; entries are separated by new lines or commas, `#` starts a comment.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
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
    `Start Latchkey with a key file that holds key ${d.expected} (copy it from an instance that runs, or restore it from the backup made with it) or set LATCHKEY_MASTER_KEY to it; it will not run with secrets it cannot read.`,
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

/** One master key. */
export interface MasterKey {
  /** A short public fingerprint of the key: shows which key encrypted a value. */
  readonly id: string;
  encrypt(name: string, plaintext: string): string;
  decrypt(name: string, stored: string): string;
  /** The key as a ring entry (`<id>:<base64>`). */
  readonly entry: string;
}

/** The id of the key that sealed `stored`, or null when it is not a ciphertext of ours. */
export function keyIdOf(stored: string): string | null {
  const [format, keyId, data] = stored.split(':');
  return format === FORMAT && keyId && data ? keyId : null;
}

/** A master key over `bytes`. */
export function masterKey(bytes: Buffer): MasterKey {
  if (bytes.length !== KEY_BYTES) throw new RangeError(`a master key has ${KEY_BYTES} bytes`);
  const id = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return {
    id,
    entry: `${id}:${bytes.toString('base64')}`,
    encrypt(name, plaintext) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', bytes, nonce);
      // The name is authenticated: a ciphertext moved to another setting does not decrypt.
      cipher.setAAD(Buffer.from(name, 'utf8'));
      const sealed = Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${FORMAT}:${id}:${sealed.toString('base64')}`;
    },
    decrypt(name, stored) {
      const keyId = keyIdOf(stored);
      if (!keyId) throw SecretCorrupt({ name });
      if (keyId !== id) throw MasterKeyMismatch({ keyId: id, expected: keyId });
      const sealed = Buffer.from(stored.split(':')[2]!, 'base64');
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

/** A fresh random key. */
export function newMasterKey(): MasterKey {
  return masterKey(randomBytes(KEY_BYTES));
}

/** Several master keys, oldest first; each ciphertext is opened by the key whose id it carries. */
export interface KeyRing {
  readonly keys: readonly MasterKey[];
  /** The ids, oldest first, joined by "+": how messages name the ring (one id for one key). */
  readonly id: string;
  /** The key with `id`, if the ring holds it. */
  key(id: string): MasterKey | undefined;
  /** Decrypts with the key that sealed `stored`; LK_MASTER_KEY_MISMATCH when the ring lacks it. */
  decrypt(name: string, stored: string): string;
}

/** A ring of `keys` (oldest first; a key given twice is kept once, where it came first). */
export function keyRing(keys: readonly MasterKey[]): KeyRing {
  const unique = keys.filter((key, index) => keys.findIndex((other) => other.id === key.id) === index);
  if (unique.length === 0) throw new RangeError('a key ring holds at least one key');
  const id = unique.map((key) => key.id).join('+');
  const key = (wanted: string) => unique.find((candidate) => candidate.id === wanted);
  return {
    keys: unique,
    id,
    key,
    decrypt(name, stored) {
      const keyId = keyIdOf(stored);
      if (!keyId) throw SecretCorrupt({ name });
      const holder = key(keyId);
      if (!holder) throw MasterKeyMismatch({ keyId: id, expected: keyId });
      return holder.decrypt(name, stored);
    },
  };
}

/** Whether `ring` holds every key of `other` (the same bytes, not only the same ids). */
export function holdsAll(ring: KeyRing, other: KeyRing): boolean {
  return other.keys.every((key) => ring.key(key.id)?.entry === key.entry);
}

function decodeKey(text: string, where: string): Buffer {
  const bytes = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (bytes.length !== KEY_BYTES) throw MasterKeyInvalid({ source: where, reason: `${bytes.length} bytes, ${KEY_BYTES} needed` });
  return bytes;
}

/** The ring written in `text` (see the module comment); `source` names it in errors. */
export function parseKeyRing(text: string, source: string): KeyRing {
  const entries = text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw MasterKeyInvalid({ source, reason: 'it holds no key' });
  return keyRing(
    entries.map((entry, index) => {
      const where = entries.length > 1 ? `${source}, key ${index + 1}` : source;
      const separator = entry.indexOf(':');
      const key = masterKey(decodeKey(separator < 0 ? entry : entry.slice(separator + 1), where));
      // The id is a checksum of the key: a key damaged in copying is named, not used.
      if (separator >= 0 && entry.slice(0, separator) !== key.id)
        throw MasterKeyInvalid({ source: where, reason: `the key does not match its id ${entry.slice(0, separator)}` });
      return key;
    }),
  );
}

/** The text of a key file holding `ring`. */
export function keyFileText(ring: KeyRing): string {
  return [
    '# Latchkey master keys, oldest first. Keep a copy with your backups, apart from the database.',
    '# Every instance needs every key listed here while a rotation is under way (see the README).',
    ...ring.keys.map((key) => key.entry),
    '',
  ].join('\n');
}

/** The ring as one LATCHKEY_MASTER_KEY value. */
export function keyRingValue(ring: KeyRing): string {
  return ring.keys.map((key) => key.entry).join(',');
}
