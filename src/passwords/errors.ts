/** The coded errors of breached-password screening: importing the list, the index file, the range check. */
import { createError } from '../errors.ts';

/** Where in the input a problem is: the file and the line number (from 1). */
type Where = { file: string; line: number };

export const BreachedInputUnreadable = createError<{ file: string; reason: string }>(
  'LK_BREACHED_INPUT_UNREADABLE',
  (d) => `Cannot read the breached-password list ${d.file} (${d.reason}). Check the path and its permissions; the index in force is unchanged.`,
  400,
);

export const BreachedInputEmpty = createError<{ file: string }>(
  'LK_BREACHED_INPUT_EMPTY',
  (d) => `The breached-password list ${d.file} holds no hashes. Download it again; the index in force is unchanged.`,
  400,
);

export const BreachedInputFormat = createError<Where & { reason: string }>(
  'LK_BREACHED_INPUT_FORMAT',
  (d) =>
    `Line ${d.line} of ${d.file} is not a HASH:count line (${d.reason}). Give the text file the Pwned Passwords downloader writes (40 hex digits of SHA-1, or 32 of NTLM, a colon and the count); the index in force is unchanged.`,
  400,
);

export const BreachedInputTruncated = createError<Where>(
  'LK_BREACHED_INPUT_TRUNCATED',
  (d) => `${d.file} ends in the middle of line ${d.line}: the download or copy was cut short. Download it again; the index in force is unchanged.`,
  400,
);

export const BreachedInputMixed = createError<Where & { first: string; found: string }>(
  'LK_BREACHED_INPUT_MIXED',
  (d) =>
    `Line ${d.line} of ${d.file} is an ${d.found} hash but the list began with ${d.first} hashes. Import one kind per file; the index in force is unchanged.`,
  400,
);

export const BreachedInputUnsorted = createError<Where>(
  'LK_BREACHED_INPUT_UNSORTED',
  (d) =>
    `Line ${d.line} of ${d.file} does not come after the line before it: the list must be sorted by hash, each hash once, as the Pwned Passwords downloader writes it. Sort it (LC_ALL=C sort -u) or download it again; the index in force is unchanged.`,
  400,
);

export const BreachedIndexCorrupt = createError<{ file: string; reason: string }>(
  'LK_BREACHED_INDEX_CORRUPT',
  (d) => `The breached-password index ${d.file} cannot be used (${d.reason}). Import the list again with latchkey breached import.`,
  500,
);

export const BreachedIndexWrite = createError<{ file: string; reason: string }>(
  'LK_BREACHED_INDEX_WRITE',
  (d) =>
    `Cannot write the breached-password index ${d.file} (${d.reason}). Check that its folder exists, is writable and has room; the index in force is unchanged.`,
  500,
);

export const BreachedPrefixInvalid = createError<{ prefix: string }>(
  'LK_BREACHED_PREFIX_INVALID',
  (d) => `A range of breached passwords is asked for by 5 hexadecimal digits, not ${JSON.stringify(d.prefix.slice(0, 20))}.`,
  400,
);
