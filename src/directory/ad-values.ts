/**
 * Decoding and encoding of Active Directory's attribute formats: FILETIMEs, negative
 * 100-nanosecond intervals, binary GUIDs and SIDs, and the quoted UTF-16LE `unicodePwd`.
 */

/** Milliseconds between 1601-01-01 (FILETIME epoch) and 1970-01-01. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;
const TICKS_PER_MS = 10_000n;
/** AD's "never" for FILETIMEs (accountExpires, lockoutTime ...). */
const FILETIME_NEVER = 0x7fff_ffff_ffff_ffffn;
/** AD's "forever" for intervals (e.g. lockoutDuration until an admin unlocks). */
const INTERVAL_FOREVER = -0x8000_0000_0000_0000n;

/** A FILETIME (100 ns ticks since 1601) as a Date; null for 0, "never" and absent values. */
export function fileTimeToDate(value: string | undefined): Date | null {
  if (value === undefined || value === '') return null;
  const ticks = BigInt(value);
  if (ticks <= 0n || ticks >= FILETIME_NEVER) return null;
  return new Date(Number(ticks / TICKS_PER_MS - FILETIME_EPOCH_OFFSET_MS));
}

/**
 * An AD interval (stored negative, in 100 ns ticks; e.g. maxPwdAge) as positive milliseconds.
 * Returns null for "forever"; 0 stays 0 (its meaning depends on the attribute).
 */
export function intervalToMs(value: string | undefined): number | null {
  if (value === undefined || value === '') return 0;
  const ticks = BigInt(value);
  if (ticks === INTERVAL_FOREVER) return null;
  const abs = ticks < 0n ? -ticks : ticks;
  return Number(abs / TICKS_PER_MS);
}

/**
 * A binary objectGUID in its usual text form. The first three groups are little-endian on the
 * wire, which is why a plain hex dump does not match what AD tools show.
 */
export function guidToString(bytes: Buffer): string {
  if (bytes.length !== 16) throw new RangeError(`a GUID has 16 bytes, not ${bytes.length}`);
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = Buffer.from(bytes.subarray(from, to));
    return (reverse ? part.reverse() : part).toString('hex');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a GUID in text form (as produced by guidToString). */
export function isGuid(text: string): boolean {
  return GUID_PATTERN.test(text);
}

/** The inverse of guidToString: the 16 bytes AD stores, for use in a search filter. */
export function guidToBytes(guid: string): Buffer {
  if (!isGuid(guid)) throw new RangeError('not a GUID');
  const [a, b, c, d, e] = guid.toLowerCase().split('-') as [string, string, string, string, string];
  const le = (hex: string) => Buffer.from(hex, 'hex').reverse();
  return Buffer.concat([le(a), le(b), le(c), Buffer.from(d + e, 'hex')]);
}

/** A binary objectSid in S-1-5-21-... form. */
export function sidToString(bytes: Buffer): string {
  if (bytes.length < 8) throw new RangeError('a SID has at least 8 bytes');
  const revision = bytes.readUInt8(0);
  const count = bytes.readUInt8(1);
  if (bytes.length !== 8 + 4 * count) throw new RangeError('SID length does not match its sub-authority count');
  const authority = bytes.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(bytes.readUInt32LE(8 + 4 * i));
  return ['S', revision, authority, ...subs].join('-');
}

/** The inverse of sidToString: the bytes AD stores, for use in a search filter. */
export function sidToBytes(sid: string): Buffer {
  const match = /^S-(\d+)-(\d+)((?:-\d+)*)$/.exec(sid);
  if (!match) throw new RangeError('not a SID');
  const subs = match[3] ? match[3].slice(1).split('-').map(Number) : [];
  const bytes = Buffer.alloc(8 + 4 * subs.length);
  bytes.writeUInt8(Number(match[1]), 0);
  bytes.writeUInt8(subs.length, 1);
  bytes.writeUIntBE(Number(match[2]), 2, 6);
  subs.forEach((sub, i) => bytes.writeUInt32LE(sub, 8 + 4 * i));
  return bytes;
}

/** The last sub-authority of a SID: 512 for Domain Admins, 544 for Administrators ... */
export function ridOf(sid: string): number {
  return Number(sid.slice(sid.lastIndexOf('-') + 1));
}

/** A password as AD wants it in unicodePwd: surrounded by double quotes, UTF-16LE. */
export function encodeUnicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}
