/**
 * The index at a path, followed while the portal runs: at most every few seconds the path's
 * identity (inode, modification time, size) is compared with the open file's, and a new file
 * (an import renames one over the old) is opened in its place. Several instances may share one
 * path: each follows it on its own. A file that cannot be used is logged once and the index
 * open before, if any, stays in force; a file removed takes the index out of use.
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

  private follow(): void {
    let identity: FileIdentity;
    try {
      const stat = statSync(this.path);
      identity = { ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size };
    } catch {
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
