/**
 * The index at a path, followed while the portal runs: at most every few seconds the path's
 * identity (inode, modification time, size) is compared with the open file's, and a new file
 * (an import renames one over the old) is opened in its place. Several instances may share one
 * path: each follows it on its own. A file that cannot be used is logged once and the index
 * open before, if any, stays in force, unless it was that very file, changed in place (cut
 * short, overwritten); a file removed takes the index out of use. A lookup that fails is
 * reported through failed(): the file is let go, logged once, and the path looked at again.
 */
import { statSync } from 'node:fs';
import type { Log } from '../log.ts';
import { type FileIdentity, IndexFile } from './breached-index.ts';

/** How often the path is looked at by default. */
export const RECHECK_MS = 2_000;

export interface FollowOptions {
  log: Log;
  recheckMs?: number;
  now?: () => number;
}

export class FollowedIndex {
  private file: IndexFile | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  /** The file that could not be opened, so that it is reported once, not at every look. */
  private refused: FileIdentity | null = null;

  constructor(
    readonly path: string,
    private readonly options: FollowOptions,
  ) {}

  /** The index in force: null when there is none. */
  current(): IndexFile | null {
    const now = (this.options.now ?? Date.now)();
    if (now - this.checkedAt >= (this.options.recheckMs ?? RECHECK_MS)) {
      this.checkedAt = now;
      this.follow();
    }
    return this.file;
  }

  close(): void {
    this.file?.close();
    this.file = null;
  }

  /**
   * A lookup in `file` failed (damaged data, a read error, a handle a network share no longer
   * honours after the file was replaced on another host): it is let go. When the path still
   * holds that same file, it stays out of use until it changes (logged once); otherwise the file
   * now at the path is opened at once.
   */
  failed(file: IndexFile, error: unknown): void {
    if (file !== this.file) return;
    this.close();
    const identity = this.identity();
    if (identity && sameFile(identity, file.identity)) {
      this.refused = identity;
      this.options.log.error(
        { err: error, file: this.path },
        'the breached-password index could not be read; only the bundled common list is checked until the list is imported again',
      );
      return;
    }
    this.checkedAt = (this.options.now ?? Date.now)();
    this.follow();
  }

  private identity(): FileIdentity | null {
    try {
      const stat = statSync(this.path);
      return { ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size };
    } catch {
      return null;
    }
  }

  private follow(): void {
    const identity = this.identity();
    if (!identity) {
      this.close();
      return;
    }
    if ((this.file && sameFile(this.file.identity, identity)) || (this.refused && sameFile(this.refused, identity))) return;
    try {
      const next = IndexFile.open(this.path);
      this.file?.close();
      this.file = next;
      this.refused = null;
    } catch (error) {
      this.refused = identity;
      // The same inode changed: the file in force is the one that cannot be used now.
      if (this.file?.identity.ino === identity.ino) this.close();
      this.options.log.error(
        { err: error, file: this.path },
        this.file
          ? 'the breached-password index was replaced by a file that cannot be used; the one before stays in force'
          : 'the breached-password index cannot be used; only the bundled common list is checked',
      );
    }
  }
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.size === b.size;
}
