/**
 * What a write did when its answer was lost: the connection dropped or timed out after the
 * request was sent, so the DC may or may not have carried it out. The account is read again on
 * a fresh connection to the same DC and compared with what the write was meant to leave on it.
 * No password is tried for this: a wrong one would count toward the lockout.
 */
import { LatchkeyError } from '../errors.ts';
import type { WriteReceipt } from './directory.ts';
import { WriteOutcomeUnknown } from './errors.ts';
import type { EntryReader } from './ldap-entry.ts';

/** Traces of past writes on an account. */
export interface AccountMarks {
  /**
   * How many times the password has been written: unicodePwd's version in replPropertyMetaData,
   * which the DC raises on every reset and change. Null when the metadata cannot be read.
   */
  passwordWrites: number | null;
  /** pwdLastSet as stored: a FILETIME, or "0" for must change. Null when it cannot be read. */
  pwdLastSet: string | null;
  /** lockoutTime; "0" also when absent (an account that was never locked out has none). */
  lockoutTime: string;
}

/** The attributes the marks are read from, and which of them are binary. */
export const MARK_ATTRIBUTES = ['pwdLastSet', 'lockoutTime', 'replPropertyMetaData'];
export const MARK_BINARY_ATTRIBUTES = ['replPropertyMetaData'];

/** What a write is meant to leave on the account. */
export type IntendedChange =
  /** A new password (reset or change); `before` was read from the same DC just before the write. */
  | { kind: 'password'; before: AccountMarks }
  /** lockoutTime = 0. */
  | { kind: 'unlocked' }
  /** pwdLastSet = 0 (on), or a time (off). */
  | { kind: 'must-change'; on: boolean };

/** unicodePwd's attribute id (ATTRTYP) in replication metadata. */
const UNICODE_PWD_ATTID = 0x9005a;
/** replPropertyMetaDataBlob (MS-DRSR): version 1, the entry count at byte 8, then 48-byte entries. */
const METADATA_HEADER = 16;
const METADATA_ENTRY = 48;

/**
 * unicodePwd's version in a replPropertyMetaData blob: 0 when the password was never written,
 * null when the blob is not one this code knows.
 */
export function passwordWrites(metadata: Buffer): number | null {
  if (metadata.length < METADATA_HEADER || metadata.readUInt32LE(0) !== 1) return null;
  const count = metadata.readUInt32LE(8);
  if (metadata.length < METADATA_HEADER + count * METADATA_ENTRY) return null;
  for (let i = 0; i < count; i++) {
    // Each entry starts with the attribute id and its version.
    const at = METADATA_HEADER + i * METADATA_ENTRY;
    if (metadata.readUInt32LE(at) === UNICODE_PWD_ATTID) return metadata.readUInt32LE(at + 4);
  }
  return 0;
}

/** The marks of an entry read with MARK_ATTRIBUTES. */
export function accountMarks(entry: EntryReader): AccountMarks {
  const metadata = entry.bytes('replPropertyMetaData');
  return {
    passwordWrites: metadata ? passwordWrites(metadata) : null,
    pwdLastSet: entry.text('pwdLastSet') ?? null,
    lockoutTime: entry.text('lockoutTime') ?? '0',
  };
}

/** Whether the account, read after the write, shows `change` made; null when the marks cannot tell. */
export function changeSeen(change: IntendedChange, after: AccountMarks): boolean | null {
  switch (change.kind) {
    // Unlock and must-change set a state: when the account is in it, the person has what they asked for.
    case 'unlocked':
      return after.lockoutTime === '0';
    case 'must-change':
      return after.pwdLastSet === null ? null : (after.pwdLastSet === '0') === change.on;
    case 'password': {
      const { before } = change;
      if (before.passwordWrites !== null && after.passwordWrites !== null) return after.passwordWrites > before.passwordWrites;
      // Without the metadata: a password write sets pwdLastSet to the time it was made, or to 0
      // with must-change, which an account that already had 0 cannot show.
      if (before.pwdLastSet === null || after.pwdLastSet === null) return null;
      if (after.pwdLastSet !== before.pwdLastSet) return true;
      return after.pwdLastSet === '0' ? null : false;
    }
  }
}

/** What was being written, for the unknown-outcome error. */
export interface WriteContext {
  server: string;
  operation: string;
  dn: string;
}

/**
 * Settles a write whose answer was lost (`lost`: the coded connection error). `readAgain` reads
 * the account on a fresh connection to the DC that was sent the write. Made: a receipt saying
 * so. Not made: `lost` is thrown, as for any failed write. The DC cannot be asked, or the
 * account cannot show it: LK_WRITE_OUTCOME_UNKNOWN.
 */
export async function settleLostWrite(
  change: IntendedChange,
  readAgain: () => Promise<AccountMarks>,
  lost: LatchkeyError,
  context: WriteContext,
): Promise<WriteReceipt> {
  let after: AccountMarks;
  try {
    after = await readAgain();
  } catch (error) {
    const reason = `reading the account again failed: ${error instanceof LatchkeyError ? error.code : String(error)}`;
    throw WriteOutcomeUnknown({ ...context, reason }, { cause: error });
  }
  const seen = changeSeen(change, after);
  if (seen === false) throw lost;
  if (seen === null) throw WriteOutcomeUnknown({ ...context, reason: 'the account does not show whether it was made' }, { cause: lost });
  return { confirmedAfterDrop: true };
}

/** The audit's words for a write that the DC was asked about again after the connection dropped. */
export const CONFIRMED_AFTER_DROP = 'confirmed after the connection dropped';

/** An audit detail from `parts` and what the receipt adds, joined by "; "; undefined when empty. */
export function writeDetail(receipt: WriteReceipt, ...parts: (string | undefined)[]): string | undefined {
  const all = [...parts, receipt.confirmedAfterDrop ? CONFIRMED_AFTER_DROP : undefined].filter((part): part is string => !!part);
  return all.length ? all.join('; ') : undefined;
}

/** The audit outcome of a write that threw: "unknown" when it may have been made after all. */
export function failedWriteOutcome(error: unknown): 'unknown' | 'failure' {
  return WriteOutcomeUnknown.is(error) ? 'unknown' : 'failure';
}
