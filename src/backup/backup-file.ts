/**
 * A backup file on disk: records → JSON lines → gzip → sealed parts, behind the header; and
 * back. Everything is streamed, so a database of any size needs about one part (1 MiB) and one
 * batch of rows in memory on either side. A new file is written under a temporary name, synced
 * and renamed only when complete: a failed backup never replaces a good one.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { pipeline as pipelineWithCallback, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { LatchkeyError } from '../errors.ts';
import { openChunks, sealChunks } from './chunks.ts';
import { HEADER_BYTES, lockNew, type ScryptCost, unlock } from './envelope.ts';
import { BackupDamaged, BackupFileError } from './errors.ts';
import { type BackupRecord, decodeRecords, encodeRecords } from './records.ts';

/** Writes `records` to `file`, encrypted under `password`; returns the file's size in bytes. */
export async function writeBackupFile(file: string, password: string, records: AsyncIterable<BackupRecord>): Promise<number> {
  const { header, body } = await lockNew(password);
  const temporary = `${file}.${process.pid}.partial`;
  try {
    const out = createWriteStream(temporary, { mode: 0o600 });
    out.write(header);
    await pipeline(Readable.from(encodeRecords(records)), createGzip(), sealChunks(body), out);
    const handle = await open(temporary, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    return (await stat(file)).size;
  } catch (error) {
    await rm(temporary, { force: true });
    throw classify(error, file);
  }
}

/** An unlocked backup file, whose records can be read (more than once) without the password again. */
export interface BackupFile {
  readonly file: string;
  /** The scrypt parameters its header records. */
  readonly cost: ScryptCost;
  /** Reads the file from the start, authenticating as it goes (see decodeRecords for the checks). */
  records(): AsyncGenerator<BackupRecord>;
}

/**
 * Opens `file` with `password`: the header is checked and the key derived here, so a wrong
 * password or another kind of file is refused before anything else happens.
 */
export async function openBackupFile(file: string, password: string): Promise<BackupFile> {
  const { body, cost } = await unlock(await readStart(file, HEADER_BYTES), password, file);
  return {
    file,
    cost,
    records() {
      const plaintext = createGunzip();
      // The callback form: an error destroys `plaintext` with it, so the reader below sees it.
      pipelineWithCallback(createReadStream(file, { start: HEADER_BYTES }), openChunks(body, file), plaintext, () => {});
      return decodeRecords(classified(plaintext, file), file);
    },
  };
}

async function readStart(file: string, length: number): Promise<Buffer> {
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw classify(error, file);
  }
}

async function* classified(stream: Readable, file: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (error) {
    throw classify(error, file);
  }
}

/** Coded errors pass; a file-system error becomes LK_BACKUP_FILE, broken compression LK_BACKUP_DAMAGED. */
function classify(error: unknown, file: string): unknown {
  if (error instanceof LatchkeyError) return error;
  const { code, path } = error as NodeJS.ErrnoException;
  if (code?.startsWith('Z_')) return BackupDamaged({ file, reason: 'its compressed contents are broken' }, { cause: error });
  if (path !== undefined) return BackupFileError({ file, reason: `${FS_REASONS[code ?? ''] ?? code ?? 'error'}: ${path}` }, { cause: error });
  return error;
}

/** The file-system errors an admin meets, in words. */
const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'the disk is full',
  EISDIR: 'it is a folder',
  EROFS: 'the file system is read-only',
};
