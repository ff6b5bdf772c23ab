/**
 * What a person types as their account name, in the three forms Windows accepts:
 * `jsmith`, `jsmith@corp.example` (UPN) and `CORP\jsmith` (down-level logon name).
 */

export type AccountName =
  | { kind: 'sam'; sam: string }
  | { kind: 'upn'; upn: string; local: string; suffix: string }
  | { kind: 'down-level'; domain: string; sam: string };

/** Longest input we look up; AD's own limits are far below (sAMAccountName: 20, UPN: 1024). */
const MAX_LENGTH = 256;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Parses a typed account name; null when it cannot name an account (empty, too long, control
 * characters, an empty part). A `domain` typed in a separate field (seed 001's Domain box) is
 * applied as if the name were written `DOMAIN\name`.
 */
export function parseAccountName(input: string, domain?: string): AccountName | null {
  const name = input.normalize('NFC').trim();
  if (name === '' || name.length > MAX_LENGTH || CONTROL_CHARACTERS.test(name)) return null;
  const slash = name.indexOf('\\');
  if (slash >= 0) {
    const sam = name.slice(slash + 1);
    const dom = name.slice(0, slash);
    if (dom === '' || sam === '' || sam.includes('\\')) return null;
    return { kind: 'down-level', domain: dom, sam };
  }
  const at = name.lastIndexOf('@');
  if (at >= 0) {
    const local = name.slice(0, at);
    const suffix = name.slice(at + 1);
    if (local === '' || suffix === '') return null;
    return { kind: 'upn', upn: name, local, suffix };
  }
  const typedDomain = domain?.trim();
  if (typedDomain) return { kind: 'down-level', domain: typedDomain, sam: name };
  return { kind: 'sam', sam: name };
}
