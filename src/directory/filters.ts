/**
 * Search filters built as ldapts filter objects rather than strings: values travel as raw
 * octets, so nothing a user types can change a filter's shape (RFC 4515 escaping is only
 * needed, and done by ldapts, for the text form), and binary values such as GUIDs and SIDs
 * are sent intact (ldapts' string parser would re-encode their bytes as UTF-8).
 */
import { AndFilter, EqualityFilter, ExtensibleFilter, type Filter } from 'ldapts';

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

/** User accounts (not computers, contacts or groups) matching `match`. */
export function userAccount(match: Filter): Filter {
  return and(equals('objectCategory', 'person'), equals('objectClass', 'user'), match);
}

/** Groups that have `memberDn` as a member at any depth of nesting. */
export function groupsContaining(memberDn: string): Filter {
  return and(equals('objectClass', 'group'), new ExtensibleFilter({ matchType: 'member', rule: IN_CHAIN, value: memberDn }));
}
