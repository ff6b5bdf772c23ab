/**
 * The port through which every new password is screened against breached and common values
 * before it is written. Implemented by the breached-password screening (the offline index, the
 * bundled list of most common passwords and the optional online range check); used by the flows
 * that set a password and by the page's live check.
 */

/** What screening found for one password. */
export type ScreenVerdict =
  /** Not found. `warning`: the online check could not answer and the admin chose to allow then. */
  | { outcome: 'clear'; warning?: 'online-unreachable' }
  /** Seen `count` times in known data breaches. */
  | { outcome: 'breached'; count: number }
  /** On the bundled list of the most common passwords (no count known). */
  | { outcome: 'common' }
  /** The online check could not answer and the admin chose to refuse then. */
  | { outcome: 'unavailable' };

/** One entry of a k-anonymity range: the rest of a hash after its 5-hex-digit prefix, and its count. */
export interface RangeEntry {
  /** Upper-case hex digits following the prefix (as many as the index keeps). */
  suffix: string;
  count: number;
}

export interface PasswordScreen {
  /** Screens a password; never throws for an unreachable online check (see 'unavailable'). */
  check(password: string): Promise<ScreenVerdict>;
  /**
   * The SHA-1 entries whose hash starts with `prefix` (5 upper-case hex digits), for the browser's
   * check without sending the password or its hash; empty when no SHA-1 list is loaded.
   */
  range(prefix: string): Promise<RangeEntry[]>;
}

/** A screen that finds nothing: for tests and tools that set no password. */
export const NO_SCREEN: PasswordScreen = {
  check: async () => ({ outcome: 'clear' }),
  range: async () => [],
};
