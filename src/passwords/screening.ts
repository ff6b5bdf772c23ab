/**
 * The PasswordScreen the portal runs with: the imported index (SHA-1 or NTLM, followed as it is
 * replaced), then the bundled list of the most common passwords, then, when the admin turned it
 * on, the online range check. The settings are read at every check, so a change in the admin
 * console applies at once. A damaged or unreadable index is logged once and skipped: the other
 * checks still run, and no request fails because of it.
 */
import type { RuntimeSettings } from '../config/schema.ts';
import type { Log } from '../log.ts';
import type { IndexFile } from './breached-index.ts';
import { isCommonPassword } from './common-passwords.ts';
import { BreachedPrefixInvalid } from './errors.ts';
import { FollowedIndex } from './followed-index.ts';
import { passwordHash, sha1 } from './hashes.ts';
import { onlineCount } from './online-range.ts';
import type { PasswordScreen, RangeEntry, ScreenVerdict } from './screen.ts';

/** The settings screening follows. */
export type BreachedPasswordSettings = RuntimeSettings['breachedPasswords'];

export interface ScreeningOptions {
  /** The settings in force, read at every check. */
  settings: () => BreachedPasswordSettings;
  /** The index file (breachedIndexFile); it may appear, be replaced or vanish while the portal runs. */
  indexFile: string;
  log: Log;
  /** How often the index file is looked at (default 2 s). */
  recheckMs?: number;
}

/** A PasswordScreen that also lets go of the index file. */
export interface ClosablePasswordScreen extends PasswordScreen {
  close(): void;
}

const PREFIX = /^[0-9A-Fa-f]{5}$/;

export function createPasswordScreen(options: ScreeningOptions): ClosablePasswordScreen {
  const index = new FollowedIndex(options.indexFile, { log: options.log, ...(options.recheckMs !== undefined ? { recheckMs: options.recheckMs } : {}) });

  /**
   * Runs `use` on the index in force; when it fails (a damaged or unreadable file), the reader
   * lets that file go (logged once) and the file now at the path, if any, is tried instead.
   */
  function withIndex<T>(use: (file: IndexFile) => T, otherwise: T): T {
    for (let attempt = 0; attempt < 2; attempt++) {
      const file = index.current();
      if (!file) return otherwise;
      try {
        return use(file);
      } catch (error) {
        index.failed(file, error);
      }
    }
    return otherwise;
  }

  /** The password's count in the index; 0 when it is not listed, there is no index, or it cannot be read. */
  async function indexCount(password: string): Promise<number> {
    const kind = index.current()?.header.kind;
    if (!kind) return 0;
    const hash = await passwordHash(kind, password);
    // Taken again after the wait, and used without another: the file may have been replaced (and closed) meanwhile.
    return withIndex((file) => (file.header.kind === kind ? file.count(hash) : 0), 0);
  }

  return {
    async check(password: string): Promise<ScreenVerdict> {
      const settings = options.settings();
      const count = await indexCount(password);
      if (count >= settings.minimumCount) return { outcome: 'breached', count };
      if (isCommonPassword(password)) return { outcome: 'common' };
      if (!settings.online.enabled) return { outcome: 'clear' };
      const answer = await onlineCount(sha1(password).toString('hex'), settings.online);
      if (answer.reached) return answer.count >= settings.minimumCount ? { outcome: 'breached', count: answer.count } : { outcome: 'clear' };
      options.log.warn(
        { reason: answer.reason, url: settings.online.url, whenUnreachable: settings.online.whenUnreachable },
        'the online breached-password check did not answer',
      );
      return settings.online.whenUnreachable === 'refuse' ? { outcome: 'unavailable' } : { outcome: 'clear', warning: 'online-unreachable' };
    },

    async range(prefix: string): Promise<RangeEntry[]> {
      if (!PREFIX.test(prefix)) throw BreachedPrefixInvalid({ prefix });
      const { minimumCount } = options.settings();
      // What the page is told is what the server refuses: entries below the minimum count are not breached.
      const entries = withIndex((file) => (file.header.kind === 'sha1' ? file.range(Number.parseInt(prefix, 16)) : []), []);
      return entries.filter((entry) => entry.count >= minimumCount);
    },

    close: () => index.close(),
  };
}
