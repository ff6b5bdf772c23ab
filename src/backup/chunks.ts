/**
 * The encrypted body of a backup, as a stream. The plaintext is cut into parts of at most
 * CHUNK_BYTES, each sealed on its own with AES-256-GCM (the "STREAM" construction): a reader
 * authenticates every part before it passes on a single byte of it, so memory stays at one part
 * however large the backup is, and nothing unauthenticated ever reaches the database.
 *
 * A part on disk: flag (1 byte: 0 more follow, 1 last) | ciphertext length (4 bytes, big-endian)
 * | ciphertext | GCM tag (16 bytes). Its nonce is the file's nonce with the part's index XORed
 * into the last 8 bytes, so no nonce repeats within a file (and the key is new for every file).
 * Its associated data is the file header, the index and the flag: parts cannot be reordered,
 * dropped, moved to another file, and a file cut at a part boundary lacks the last-part flag.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Transform } from 'node:stream';
import { BackupDamaged } from './errors.ts';

/** Plaintext bytes per part: large enough that the 21 bytes of framing do not matter. */
export const CHUNK_BYTES = 1 << 20;
/** The GCM nonce length the file's nonce must have. */
export const NONCE_BYTES = 12;
/** The largest part a reader accepts, so that an altered length cannot make it buffer gigabytes. */
const MAX_PART_BYTES = 16 << 20;
const TAG_BYTES = 16;
const HEAD_BYTES = 5;
const MORE = 0;
const LAST = 1;

/** What every part of one file is bound to. */
export interface BodyKey {
  /** The AES-256 key derived for this file. */
  readonly key: Buffer;
  /** The file's random nonce (NONCE_BYTES). */
  readonly nonce: Buffer;
  /** The file header, authenticated with every part. */
  readonly aad: Buffer;
}

function partNonce(base: Buffer, index: number): Buffer {
  const nonce = Buffer.from(base);
  nonce.writeBigUInt64BE(nonce.readBigUInt64BE(4) ^ BigInt(index), 4);
  return nonce;
}

function partAad(aad: Buffer, index: number, flag: number): Buffer {
  const suffix = Buffer.alloc(9);
  suffix.writeBigUInt64BE(BigInt(index));
  suffix[8] = flag;
  return Buffer.concat([aad, suffix]);
}

/** A transform from plaintext to sealed parts; the last part is written when the input ends. */
export function sealChunks(body: BodyKey, chunkBytes = CHUNK_BYTES): Transform {
  const pending = new Pending();
  let index = 0;
  const seal = (plain: Buffer, flag: number): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', body.key, partNonce(body.nonce, index));
    cipher.setAAD(partAad(body.aad, index, flag));
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    const head = Buffer.alloc(HEAD_BYTES);
    head[0] = flag;
    head.writeUInt32BE(ciphertext.length, 1);
    index++;
    return Buffer.concat([head, ciphertext, cipher.getAuthTag()]);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pending.add(chunk);
      while (pending.size > chunkBytes) this.push(seal(pending.take(chunkBytes), MORE));
      done();
    },
    flush(done) {
      // Always a last part, even an empty one: its flag is what proves the file is whole.
      done(null, seal(pending.take(pending.size), LAST));
    },
  });
}

/**
 * A transform from sealed parts to plaintext. Fails with LK_BACKUP_DAMAGED when a part does not
 * authenticate, the file ends before the last part, or anything follows it.
 */
export function openChunks(body: BodyKey, file: string): Transform {
  const pending = new Pending();
  const damaged = (reason: string) => BackupDamaged({ file, reason });
  let index = 0;
  let head: { flag: number; length: number } | null = null;
  let finished = false;
  const open = (part: Buffer, flag: number): Buffer => {
    const decipher = createDecipheriv('aes-256-gcm', body.key, partNonce(body.nonce, index), { authTagLength: TAG_BYTES });
    decipher.setAAD(partAad(body.aad, index, flag));
    decipher.setAuthTag(part.subarray(part.length - TAG_BYTES));
    try {
      // final() checks the tag; only then is the part's plaintext passed on.
      return Buffer.concat([decipher.update(part.subarray(0, part.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw damaged(`part ${index + 1} fails its authentication`);
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pending.add(chunk);
      try {
        for (;;) {
          if (finished && pending.size > 0) throw damaged('there are bytes after the last part');
          if (!head) {
            if (pending.size < HEAD_BYTES) break;
            const bytes = pending.take(HEAD_BYTES);
            head = { flag: bytes[0]!, length: bytes.readUInt32BE(1) };
            if (head.flag !== MORE && head.flag !== LAST) throw damaged(`part ${index + 1} has an unknown flag`);
            if (head.length > MAX_PART_BYTES) throw damaged(`part ${index + 1} claims an impossible length`);
          }
          if (pending.size < head.length + TAG_BYTES) break;
          this.push(open(pending.take(head.length + TAG_BYTES), head.flag));
          finished = head.flag === LAST;
          head = null;
          index++;
        }
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done) {
      if (!finished) done(damaged(pending.size || head ? 'it ends in the middle of a part' : 'it ends before its last part: the file was cut short'));
      else done();
    },
  });
}

/** Bytes received but not yet used; joined only when a whole piece is there, so each byte is copied once. */
class Pending {
  private buffers: Buffer[] = [];
  size = 0;

  add(chunk: Buffer): void {
    this.buffers.push(chunk);
    this.size += chunk.length;
  }

  /** The first `count` bytes (at most size). */
  take(count: number): Buffer {
    const all = this.buffers.length === 1 ? this.buffers[0]! : Buffer.concat(this.buffers, this.size);
    const rest = all.subarray(count);
    this.buffers = rest.length ? [rest] : [];
    this.size = rest.length;
    return all.subarray(0, count);
  }
}
