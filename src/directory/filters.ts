/**
 * Search filters built as ldapts filter objects rather than strings: values travel as raw
 * octets, so nothing a user types can change a filter's shape (RFC 4515 escaping is only
 * needed, and done by ldapts, for the text form), and binary values such as GUIDs and SIDs
 * are sent intact (ldapts' string parser would re-encode their bytes as UTF-8).
 */
import { AndFilter, EqualityFilter, ExtensibleFilter, type Filter, GreaterThanEqualsFilter, NotFilter, OrFilter, SubstringFilter } from 'ldapts';
import { sidToBytes } from './ad-values.ts';

/** A name that is a DN (CN=...,OU=...) rather than an account or group name. */
export const DN_LIKE = /^\s*[A-Za-z][A-Za-z0-9-]*\s*=/;

/** A SID in its text form, S-1-5-21-…. */
const SID_TEXT = /^S-1-\d+(-\d+)+$/i;

/** LDAP_MATCHING_RULE_IN_CHAIN: membership through any depth of nesting. */
const IN_CHAIN = '1.2.840.113556.1.4.1941';

/** (attribute=value) */
export function equals(attribute: string, value: string | Buffer): Filter {
  return new EqualityFilter({ attribute, value });
}

/** (&...) */
export function and(...filters: Filter[]): Filter {
  return new AndFilter({ filters });
}

/** (|...) */
export function or(...filters: Filter[]): Filter {
  return new OrFilter({ filters });
}

/** (!...) */
export function not(filter: Filter): Filter {
  return new NotFilter({ filter });
}

/** LDAP_MATCHING_RULE_BIT_AND: entries whose integer attribute has every bit of `flags` set. */
const BIT_AND = '1.2.840.113556.1.4.803';

/** (attribute:1.2.840.113556.1.4.803:=flags): every bit of `flags` is set. */
export function flagsSet(attribute: string, flags: number): Filter {
  return new ExtensibleFilter({ matchType: attribute, rule: BIT_AND, value: String(flags) });
}

/** (attribute=prefix*): the prefix is sent as octets, so a typed `*`, `(` or `\` is literal. */
export function startsWith(attribute: string, prefix: string): Filter {
  if (prefix === '') throw new RangeError('a prefix filter needs a prefix');
  return new SubstringFilter({ attribute, initial: prefix });
}

/** (attribute=*suffix): like startsWith, at the end. */
export function endsWith(attribute: string, suffix: string): Filter {
  if (suffix === '') throw new RangeError('a suffix filter needs a suffix');
  return new SubstringFilter({ attribute, final: suffix });
}

/** (attribute>=value), in the attribute's own ordering (case-insensitive for names). */
export function atLeast(attribute: string, value: string): Filter {
  return new GreaterThanEqualsFilter({ attribute, value });
}

/** The naming attributes a typed name is matched against; all are indexed in AD. */
const NAME_ATTRIBUTES = ['sAMAccountName', 'displayName', 'givenName', 'sn', 'mail', 'userPrincipalName'];

/** At most this many "given name / surname" splits of a typed name ("Mary Ann van Dyke" has 3). */
const MAX_NAME_SPLITS = 4;

/**
 * Entries whose name starts with `text` (non-empty, spaces already collapsed): any naming
 * attribute starts with it, or, for text with spaces, givenName starts with the words before a
 * space and sn with the words after it ("Jo Smi" finds Joanna Smith).
 */
export function nameStartsWith(text: string): Filter {
  const splits: Filter[] = [];
  for (let space = text.indexOf(' '); space > 0 && splits.length < MAX_NAME_SPLITS; space = text.indexOf(' ', space + 1)) {
    splits.push(and(startsWith('givenName', text.slice(0, space)), startsWith('sn', text.slice(space + 1))));
  }
  return or(...NAME_ATTRIBUTES.map((attribute) => startsWith(attribute, text)), ...splits);
}

/** User accounts (not computers, contacts or groups) matching `match`. */
export function userAccount(match: Filter): Filter {
  return and(equals('objectCategory', 'person'), equals('objectClass', 'user'), match);
}

/** Groups that have `memberDn` as a member at any depth of nesting. */
export function groupsContaining(memberDn: string): Filter {
  return and(equals('objectClass', 'group'), new ExtensibleFilter({ matchType: 'member', rule: IN_CHAIN, value: memberDn }));
}

/**
 * Groups that a configured reference names: by SID (S-1-5-…), by DN (CN=…), else every group
 * whose cn or sAMAccountName is the name. A name can match several; the caller decides.
 */
export function groupsNamed(reference: string): Filter {
  const text = reference.trim();
  const match = SID_TEXT.test(text)
    ? equals('objectSid', sidToBytes(text.toUpperCase()))
    : DN_LIKE.test(text)
      ? equals('distinguishedName', text)
      : or(equals('cn', text), equals('sAMAccountName', text));
  return and(equals('objectClass', 'group'), match);
}
