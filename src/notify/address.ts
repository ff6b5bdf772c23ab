/**
 * E-mail addresses as people type them. They are read with nodemailer's own address parser, the
 * one that decides where a message goes, so that what is checked and what is sent can never
 * differ: `x<evil@example.org>` is a display name and another address to it, not an address.
 */
import addressparser from 'nodemailer/lib/addressparser';

/** RFC 5321's limit on a forward path. */
const MAX_LENGTH = 254;
/** A mailbox: a local part and a domain of two labels or more, without spaces or address syntax. */
const MAILBOX = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:".]+(\.[^\s@<>()[\]\\,;:".]+)+$/;

/**
 * The address in `typed` when it is one bare address (surrounding spaces aside), else null:
 * no display name, no angle brackets, no comment, no group, not several.
 */
export function bareAddress(typed: string): string | null {
  const text = typed.trim();
  if (!text || text.length > MAX_LENGTH) return null;
  const parsed = addressparser(text);
  const [only] = parsed;
  // The parser must read the whole text back as one address and nothing else.
  if (parsed.length !== 1 || !only || only.name || only.address !== text) return null;
  return MAILBOX.test(text) ? text : null;
}
