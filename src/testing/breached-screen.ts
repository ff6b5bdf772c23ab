/**
 * A PasswordScreen for tests that knows chosen passwords as breached, each with its count, and
 * answers range queries as a full breached list would: every prefix has a few entries, the known
 * passwords' hashes among them.
 */
import { createHash } from 'node:crypto';
import type { PasswordScreen, RangeEntry } from '../passwords/screen.ts';

const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();

/** Entries every prefix answers with, as a real list has hundreds per prefix. */
const FILLER_PER_PREFIX = 3;

/** `breached` maps a password to its count; `suffixLength` trims suffixes as a compact index would. */
export function breachedScreen(breached: Record<string, number>, { suffixLength = 35 } = {}): PasswordScreen {
  const known = Object.entries(breached).map(([password, count]) => ({ hash: sha1(password), count }));
  return {
    async check(password) {
      const count = breached[password];
      return count === undefined ? { outcome: 'clear' } : { outcome: 'breached', count };
    },
    async range(prefix) {
      const filler = Array.from({ length: FILLER_PER_PREFIX }, (_, i) => ({ hash: prefix + sha1(`filler:${prefix}:${i}`).slice(5), count: i + 1 }));
      return [...known, ...filler]
        .filter((entry) => entry.hash.startsWith(prefix))
        .map((entry): RangeEntry => ({ suffix: entry.hash.slice(5, 5 + suffixLength), count: entry.count }));
    },
  };
}
