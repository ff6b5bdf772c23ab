/**
 * The PasswordScreen the portal runs with: the imported index (SHA-1 or NTLM, followed as it is
 * replaced), then the bundled list of the most common passwords, then, when the admin turned it
 * on, the online range check. The settings are read at every check, so a change in the admin
 * console applies at once. A damaged index is logged and skipped: the other checks still run.
 */
import type { RuntimeSettings } from '../config/schema.ts';
import type { Log } from '../log.ts';
import { isCommonPassword } from './common-passwords.ts';
import { BreachedIndexCorrupt, BreachedPrefixInvalid } from './errors.ts';
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

  /** The password's count in the index; 0 when it is not listed, there is no index, or it is damaged. */
  async function indexCount(password: string): Promise<number> {
    const file = index.current();
    if (!file) return 0;
    const hash = await passwordHash(file.header.kind, password);
    try {
      return file.count(hash);
    } catch (error) {
      if (!BreachedIndexCorrupt.is(error)) throw error;
      options.log.error({ err: error, file: options.indexFile }, 'the breached-password index is damaged; import it again');
      return 0;
    }
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
      const file = index.current();
      if (file?.header.kind !== 'sha1') return [];
      return file.range(Number.parseInt(prefix, 16));
    },

    close: () => index.close(),
  };
}
