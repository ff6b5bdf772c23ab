/**
 * Decoys for names that must not be told apart from real accounts: questions and digits chosen
 * from a keyed hash of the name, so the same name always meets the same decoy.
 */
import { createHmac } from 'node:crypto';

/** A keyed, stable fingerprint of a typed account name (case and spacing do not matter). */
export function nameKey(key: Buffer, typedName: string): string {
  return createHmac('sha256', key).update(typedName.normalize('NFKC').trim().toLowerCase()).digest('hex');
}

/** `count` distinct items of `items`, in an order fixed by `seed`. */
export function decoyPick<T>(key: Buffer, seed: string, items: readonly T[], count: number): T[] {
  const ranked = items.map((item, index) => ({
    item,
    rank: createHmac('sha256', key).update(`${seed}\u0000pick\u0000${index}`).digest().readUInt32BE(0),
  }));
  return ranked
    .sort((a, b) => a.rank - b.rank)
    .slice(0, count)
    .map(({ item }) => item);
}

/** `length` decimal digits fixed by `seed` and `label`. */
export function decoyDigits(key: Buffer, seed: string, label: string, length: number): string {
  const bytes = createHmac('sha256', key).update(`${seed}\u0000${label}`).digest();
  return [...bytes.subarray(0, length)].map((byte) => String(byte % 10)).join('');
}
