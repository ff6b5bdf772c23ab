/**
 * Splits the user accounts into shares that several connections can read at once: a DC serves
 * each connection in a process of its own, so a scan whose cost is the DC's (a constructed
 * attribute computed per entry) goes about as many times faster as the DC has cores to spare.
 * The shares go by the last character of sAMAccountName, which is spread evenly enough in any
 * naming scheme; the last share takes every name the others do not, so together they hold each
 * account exactly once whatever characters the names use.
 */
import type { Filter } from 'ldapts';
import { endsWith, not, or } from './filters.ts';

/** Last characters handed out in turn; names match case-insensitively, so lower case covers both. */
const SPREAD = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `count` filters that between them match every account once; null for one share (no split). */
export function accountShares(count: number): Filter[] | null {
  if (!Number.isInteger(count) || count < 1 || count > SPREAD.length) throw new RangeError(`between 1 and ${SPREAD.length} shares`);
  if (count === 1) return null;
  const endings = Array.from({ length: count - 1 }, (_, share) => [...SPREAD].filter((_, index) => index % count === share));
  const named = endings.map((characters) => or(...characters.map((character) => endsWith('sAMAccountName', character))));
  return [...named, not(or(...named))];
}
