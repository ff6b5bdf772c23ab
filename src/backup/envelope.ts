/**
 * The header of a backup file and the key behind it. The admin's password goes through scrypt
 * (parameters in the header, so a later version may raise them and still read old files); the
 * result gives the body's AES-256-GCM key and a password check value, so that a wrong password
 * is told apart from a damaged file before any part is read.
 *
 * Header (73 bytes): "LKBACKUP" | format version (1) | KDF id (1 = scrypt) | log2 N | r | p |
 * salt (16) | nonce (12) | password check (16) | SHA-256 of all the above, first 16 bytes.
 * The digest catches accidental damage to the header (which would otherwise look like a wrong
 * password); deliberate alteration is caught anyway, because the whole header is the associated
 * data of every part of the body.
 */
import { createHash, hkdfSync, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { type BodyKey, NONCE_BYTES } from './chunks.ts';
import { BackupDamaged, BackupFormat, BackupPassword } from './errors.ts';

const MAGIC = Buffer.from('LKBACKUP', 'latin1');
/** The format version this code writes and reads. */
export const FORMAT_VERSION = 1;
const KDF_SCRYPT = 1;
/** scrypt's cost for new files: N = 2^17, r = 8 (128 MiB, about half a second), p = 1. */
export const SCRYPT_COST = { logN: 17, r: 8, p: 1 } as const;
/** The most memory a file's scrypt parameters may ask for: an altered header must not exhaust the machine. */
const SCRYPT_MAX_MEMORY = 1 << 30;
const SALT_BYTES = 16;
const CHECK_BYTES = 16;
const DIGEST_BYTES = 16;
const DIGESTED_BYTES = MAGIC.length + 5 + SALT_BYTES + NONCE_BYTES + CHECK_BYTES;
/** The header's length: a file shorter than this cannot be a backup. */
export const HEADER_BYTES = DIGESTED_BYTES + DIGEST_BYTES;

/** scrypt's parameters as the header records them. */
export interface ScryptCost {
  logN: number;
  r: number;
  p: number;
}

/** An unlocked backup: its header bytes and the key of its body. */
export interface Unlocked {
  readonly header: Buffer;
  readonly body: BodyKey;
  readonly cost: ScryptCost;
}

/** A new header with a fresh salt and nonce, and the key for its body. */
export async function lockNew(password: string): Promise<Unlocked> {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const { key, check } = await deriveKeys(password, salt, SCRYPT_COST);
  const fields = Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION, KDF_SCRYPT, SCRYPT_COST.logN, SCRYPT_COST.r, SCRYPT_COST.p]), salt, nonce, check]);
  const header = Buffer.concat([fields, digest(fields)]);
  return { header, body: { key, nonce, aad: header }, cost: SCRYPT_COST };
}

/**
 * Opens the header `bytes` of `file` (HEADER_BYTES of them, or fewer when the file is that
 * short) with `password`: LK_BACKUP_FORMAT for another kind of file, LK_BACKUP_DAMAGED for a
 * cut or altered header, LK_BACKUP_PASSWORD for a wrong password.
 */
export async function unlock(bytes: Buffer, password: string, file: string): Promise<Unlocked> {
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw BackupFormat({ file, reason: 'it does not start with the Latchkey backup signature' });
  }
  if (bytes.length < HEADER_BYTES) throw BackupDamaged({ file, reason: 'it ends inside its header' });
  const header = bytes.subarray(0, HEADER_BYTES);
  if (!digest(header.subarray(0, DIGESTED_BYTES)).equals(header.subarray(DIGESTED_BYTES))) {
    throw BackupDamaged({ file, reason: 'its header does not match its checksum' });
  }
  let offset = MAGIC.length;
  const version = header[offset++]!;
  if (version !== FORMAT_VERSION) throw BackupFormat({ file, reason: `format version ${version}, this Latchkey reads version ${FORMAT_VERSION}` });
  const kdf = header[offset++]!;
  if (kdf !== KDF_SCRYPT) throw BackupFormat({ file, reason: `key derivation ${kdf} is unknown` });
  const cost = { logN: header[offset++]!, r: header[offset++]!, p: header[offset++]! };
  if (!acceptable(cost)) throw BackupFormat({ file, reason: `scrypt parameters 2^${cost.logN}/${cost.r}/${cost.p} are out of range` });
  const salt = header.subarray(offset, (offset += SALT_BYTES));
  const nonce = header.subarray(offset, (offset += NONCE_BYTES));
  const stored = header.subarray(offset, (offset += CHECK_BYTES));
  const { key, check } = await deriveKeys(password, salt, cost);
  if (!timingSafeEqual(check, stored)) throw BackupPassword({ file });
  return { header: Buffer.from(header), body: { key, nonce: Buffer.from(nonce), aad: Buffer.from(header) }, cost };
}

function acceptable({ logN, r, p }: ScryptCost): boolean {
  return logN >= 14 && logN <= 24 && r >= 1 && p >= 1 && scryptMemory({ logN, r, p }) <= SCRYPT_MAX_MEMORY;
}

function scryptMemory({ logN, r, p }: ScryptCost): number {
  return 128 * r * (2 ** logN + p + 2);
}

function digest(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest().subarray(0, DIGEST_BYTES);
}

/** scrypt, then HKDF to two independent values: the body key and the password check. */
async function deriveKeys(password: string, salt: Buffer, cost: ScryptCost): Promise<{ key: Buffer; check: Buffer }> {
  // NFC: the same password typed on two systems may arrive in two Unicode forms.
  const secret = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, 32, { N: 2 ** cost.logN, r: cost.r, p: cost.p, maxmem: scryptMemory(cost) + (1 << 20) }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
  const expand = (info: string, length: number) => Buffer.from(hkdfSync('sha256', secret, salt, info, length));
  return { key: expand('latchkey backup v1: body key', 32), check: expand('latchkey backup v1: password check', CHECK_BYTES) };
}
