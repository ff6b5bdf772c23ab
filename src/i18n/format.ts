/**
 * Dates, times and numbers as the reader's language writes them (Intl). Times are in UTC and
 * say so: the portal does not know the reader's time zone, and a bare time would mislead.
 */

export interface Formats {
  /** A day: 4 Dec 2026, 4. Dez. 2026 … */
  date(at: number | Date): string;
  /** A moment to the minute, with its zone: 4 Dec 2026, 21:40 UTC. */
  dateTime(at: number | Date): string;
  number(value: number): string;
}

const cache = new Map<string, Formats>();

/** The formats of `language` (a BCP 47 tag). */
export function formatsFor(language: string): Formats {
  const known = cache.get(language);
  if (known) return known;
  const date = new Intl.DateTimeFormat(language, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
  const dateTime = new Intl.DateTimeFormat(language, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  });
  const number = new Intl.NumberFormat(language);
  const formats: Formats = {
    date: (at) => date.format(at),
    dateTime: (at) => dateTime.format(at),
    number: (value) => number.format(value),
  };
  cache.set(language, formats);
  return formats;
}
