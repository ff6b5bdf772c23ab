/** Case-insensitive, typed reading of an ldapts search entry (servers may change the case of names). */
import type { Entry } from 'ldapts';

export interface EntryReader {
  readonly dn: string;
  /** The first value as text, or undefined. */
  text(name: string): string | undefined;
  /** All values as text. */
  texts(name: string): string[];
  /** The first value as bytes (for attributes requested as buffers). */
  bytes(name: string): Buffer | undefined;
  /** All values as bytes. */
  allBytes(name: string): Buffer[];
}

export function readEntry(entry: Entry): EntryReader {
  const byLowerName = new Map<string, Entry[string]>();
  for (const [key, value] of Object.entries(entry)) if (key !== 'dn') byLowerName.set(key.toLowerCase(), value);
  const values = (name: string): (string | Buffer)[] => {
    const value = byLowerName.get(name.toLowerCase());
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value];
  };
  const asText = (value: string | Buffer) => (typeof value === 'string' ? value : value.toString('utf8'));
  const asBytes = (value: string | Buffer) => (typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
  return {
    dn: entry.dn,
    text: (name) => {
      const first = values(name)[0];
      return first === undefined ? undefined : asText(first);
    },
    texts: (name) => values(name).map(asText),
    bytes: (name) => {
      const first = values(name)[0];
      return first === undefined ? undefined : asBytes(first);
    },
    allBytes: (name) => values(name).map(asBytes),
  };
}
