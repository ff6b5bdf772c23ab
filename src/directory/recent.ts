/**
 * Answers of the directory kept for a short while, so that what many requests ask (the domain's
 * password policy) costs the DC one read.
 * Promises are kept, so callers at the same moment share one read; a failed read is not kept.
 * Bounded: past `max` entries the oldest goes.
 */
export class Recent<V> {
  private readonly entries = new Map<string, { value: Promise<V>; until: number }>();

  constructor(
    private readonly keepMs: number,
    private readonly max = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The value kept for `key`, or `read()`'s, kept from now on. */
  get(key: string, read: () => Promise<V>): Promise<V> {
    const now = this.now();
    const kept = this.entries.get(key);
    if (kept && kept.until > now) return kept.value;
    this.entries.delete(key);
    const value = read();
    this.entries.set(key, { value, until: now + this.keepMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}
