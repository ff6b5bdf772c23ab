/**
 * Addresses as shown to someone who asks for a code, to pick where it goes: enough to recognise
 * one's own, not enough to learn someone else's. The masks have a fixed length, so they do not
 * tell how long the hidden part is either.
 */

const BULLETS = '•••••';
const PHONE_BULLETS = '•••••••';

/** `jsmith@corp.example` → `j•••••@corp.example`: the first character of the name, and the domain. */
export function maskEmail(address: string): string {
  const text = address.trim();
  const at = text.lastIndexOf('@');
  const local = at < 0 ? text : text.slice(0, at);
  const domain = at < 0 ? '' : text.slice(at);
  // A one-character name would be shown whole; code points, so that an emoji is not cut in half.
  const chars = Array.from(local);
  return (chars.length > 1 ? chars[0] : '') + BULLETS + domain;
}

/**
 * An e-mail address shown before its owner has proven anything: nothing of it, so that no real
 * address can be told from a decoy's by a letter or a domain that the typed name does not have.
 */
export function hiddenEmail(): string {
  return `${BULLETS}@${BULLETS}`;
}

/** `+15550100999` → `+•••••••0999`: the "+" and the last four digits. */
export function maskPhone(number: string): string {
  const digits = number.replace(/\D/g, '');
  // Four digits of a short (invalid) number would be most of it.
  const tail = digits.length >= 8 ? digits.slice(-4) : '';
  return (number.trim().startsWith('+') ? '+' : '') + PHONE_BULLETS + tail;
}
