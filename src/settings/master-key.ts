/**
 * Where the master keys come from: LATCHKEY_MASTER_KEY, or a key file created with owner-only
 * permissions at the first start. The keys never enter the database, so a database stolen
 * without them yields no secret. A running instance reads its key file again when the file
 * changes, so that a rotation's new key reaches it by copying the file, without a restart.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, type Stats, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createError } from '../errors.ts';
import { type KeyRing, keyFileText, keyIdOf, keyRing, type MasterKey, MasterKeyInvalid, newMasterKey, parseKeyRing } from './key-ring.ts';

export const KeyFileOwner = createError<{ file: string; uid: number; gid: number; reason: string }>(
  'LK_MASTER_KEY_FILE_OWNER',
  (d) =>
    `The new key file could not be given the owner of ${d.file} (uid ${d.uid}, gid ${d.gid}): ${d.reason}. ` +
    'Nothing was changed. Run the command as that user or as root.',
  500,
);

const ENV = 'LATCHKEY_MASTER_KEY';

/** What makes a file's contents new to us: another inode, size or time of change. */
function signatureOf(stats: Stats | undefined): string {
  return stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}` : 'missing';
}

function statOf(file: string): Stats | undefined {
  return statSync(file, { throwIfNoEntry: false });
}

/**
 * The master keys of one process: every key its source held since the start (a key once read
 * is kept while running, so a value sealed with it still opens), and what the source holds now
 * (what a restart would have).
 */
export class MasterKeys {
  private held: KeyRing;
  private current: KeyRing;

  constructor(
    /** The key file, or LATCHKEY_MASTER_KEY: how messages name where the keys come from. */
    readonly source: string,
    /** The key file to read again when it changes; null for keys from the environment. */
    private readonly file: string | null,
    ring: KeyRing,
    private signature: string,
  ) {
    this.held = ring;
    this.current = ring;
  }

  /** Every key this process holds. */
  get ring(): KeyRing {
    return this.held;
  }

  /** The keys the source holds now. */
  get inSource(): KeyRing {
    return this.current;
  }

  get id(): string {
    return this.held.id;
  }

  /** The key with `id`; the key file is read again first when it changed and the key is new. */
  key(id: string): MasterKey | undefined {
    if (!this.held.key(id)) this.reload();
    return this.held.key(id);
  }

  /** Decrypts with the key that sealed `stored`, reading a changed key file first when it is new. */
  decrypt(name: string, stored: string): string {
    const id = keyIdOf(stored);
    if (id) this.key(id);
    return this.held.decrypt(name, stored);
  }

  /**
   * Rewrites a key file from before key rings (a bare key), or edited by hand, in today's form
   * (ids, comments), keeping its owner and mode. A starting instance calls it once the keys
   * opened the database; where the file cannot be written it stays, and is read, as it is.
   */
  upgradeFile(): void {
    if (!this.file) return;
    const text = readFileSync(this.file, 'utf8');
    if (text === keyFileText(this.current)) return;
    try {
      writeKeyFile(this.file, this.current);
    } catch {
      return; // a read-only data folder
    }
    // Our own rewrite is no news to reload().
    this.signature = signatureOf(statOf(this.file));
  }

  /**
   * Reads the key file again if it changed since the last reading; true when it did. A file
   * that became unusable is reported once (LK_MASTER_KEY_INVALID) and the keys held are kept.
   */
  reload(): boolean {
    if (!this.file) return false;
    const signature = signatureOf(statOf(this.file));
    if (signature === this.signature) return false;
    this.signature = signature;
    if (signature === 'missing') throw MasterKeyInvalid({ source: this.file, reason: 'the file does not exist' });
    this.current = parseKeyRing(readFileSync(this.file, 'utf8'), this.file);
    this.held = keyRing([...this.held.keys, ...this.current.keys]);
    return true;
  }
}

/** The master keys from LATCHKEY_MASTER_KEY or `file`; with `create`, a new file when neither exists. */
export function loadMasterKey(file: string, options: { env?: NodeJS.ProcessEnv; create?: boolean } = {}): MasterKeys {
  const fromEnv = (options.env ?? process.env)[ENV];
  if (fromEnv) return new MasterKeys(ENV, null, parseKeyRing(fromEnv, ENV), 'environment');
  if (existsSync(file)) return new MasterKeys(file, file, parseKeyRing(readFileSync(file, 'utf8'), file), signatureOf(statOf(file)));
  if (!options.create) throw MasterKeyInvalid({ source: file, reason: 'the file does not exist' });
  const ring = keyRing([newMasterKey()]);
  writeKeyFile(file, ring);
  return new MasterKeys(file, file, ring, signatureOf(statOf(file)));
}

/**
 * Writes `ring` to `file` atomically. A new file is owner-only; a replaced one keeps the owner,
 * group and mode of the old (a rotation run as root must not leave a file the service cannot read).
 */
export function writeKeyFile(file: string, ring: KeyRing): void {
  const old = statOf(file);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.new`;
  writeFileSync(temporary, keyFileText(ring), { mode: 0o600 });
  try {
    if (old) {
      const written = statSync(temporary);
      if (written.uid !== old.uid || written.gid !== old.gid) {
        try {
          chownSync(temporary, old.uid, old.gid);
        } catch (error) {
          throw KeyFileOwner({ file, uid: old.uid, gid: old.gid, reason: (error as NodeJS.ErrnoException).code ?? String(error) }, { cause: error });
        }
      }
    }
    chmodSync(temporary, old ? old.mode & 0o777 : 0o600);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
