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
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Parses a typed account name; null when it cannot name an account (empty, too long, control
 * characters, an empty part). A `domain` typed in a separate field (the Domain box of the sign-in pages) is
 * applied as if the name were written `DOMAIN\name`.
 */
export function parseAccountName(input: string, domain?: string): AccountName | null {
  const name = input.normalize('NFC').trim();
  if (name === '' || name.length > MAX_LENGTH || CONTROL_CHARACTERS.test(name)) return null;
  const slash = name.indexOf('\\');
  if (slash >= 0) {
    const sam = name.slice(slash + 1).trim();
    const dom = name.slice(0, slash).trim();
    if (dom === '' || sam === '' || sam.includes('\\')) return null;
    return { kind: 'down-level', domain: dom, sam };
  }
  const at = name.lastIndexOf('@');
  if (at >= 0) {
    const local = name.slice(0, at).trim();
    const suffix = name.slice(at + 1).trim();
    if (local === '' || suffix === '') return null;
    return { kind: 'upn', upn: `${local}@${suffix}`, local, suffix };
  }
  const typedDomain = domain?.trim();
  if (typedDomain) return { kind: 'down-level', domain: typedDomain, sam: name };
  return { kind: 'sam', sam: name };
}

/**
 * The one form every spelling of a name is reduced to before it keys a limit, a lockout or a
 * decoy: `jsmith`, ` JSmith `, `CORP\jsmith`, `corp.example\jsmith`, `jsmith@corp.example` and
 * `jsmith` with `CORP` in the Domain field are all `jsmith`. It depends only on what was typed
 * and on the domain's own names, never on whether the account exists, so real and unknown names
 * are reduced alike. Another domain's names keep their domain; an unparsable name stays as typed.
 */
export function canonicalAccountName(input: string, domain: string | undefined, own: { netbiosDomain: string; dnsDomain: string }): string {
  const name = parseAccountName(input, domain);
  const fold = (value: string) => value.normalize('NFKC').toLowerCase();
  if (!name) return `?${fold(input.trim())}`;
  const ours = (typed: string) => [own.netbiosDomain, own.dnsDomain].some((mine) => fold(mine) === fold(typed));
  switch (name.kind) {
    case 'sam':
      return fold(name.sam);
    case 'down-level':
      return ours(name.domain) ? fold(name.sam) : `${fold(name.domain)}\\${fold(name.sam)}`;
    case 'upn':
      // The implicit UPN (sAMAccountName@dns-domain) names the same account as the bare name.
      return ours(name.suffix) ? fold(name.local) : `${fold(name.local)}@${fold(name.suffix)}`;
  }
}
