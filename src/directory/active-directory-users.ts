/**
 * Finding user and group entries with the service account: one user by a filter inside given
 * subtrees (never two), one user by the name a person typed, and groups with their SIDs.
 */
import type { Client, Entry, Filter } from 'ldapts';
import { parseAccountName } from './account-name.ts';
import type { AdConnection } from './active-directory-connection.ts';
import { sidToString } from './ad-values.ts';
import type { DirectoryUser, DomainInfo, GroupMembership } from './directory.ts';
import { UserAmbiguous } from './errors.ts';
import { equals, userAccount } from './filters.ts';
import { readEntry } from './ldap-entry.ts';
import { BINARY_ATTRIBUTES, directoryUser, USER_ATTRIBUTES } from './user-entry.ts';

/** Finds the one user matching `match`: by a filter, inside the subtrees the caller chose. */
export type FindOneUser = (match: Filter) => Promise<DirectoryUser | null>;

/**
 * The one user matching `match` in `bases`, or null; LK_USER_AMBIGUOUS when several match. Bases
 * may overlap: one account found twice is still one account.
 */
export async function findOneUser(connection: AdConnection, match: Filter, bases: string[]): Promise<DirectoryUser | null> {
  const filter = userAccount(match);
  return connection.asService({ operation: 'look up the user', dn: bases.join('; ') }, async (client) => {
    const found = new Map<string, DirectoryUser>();
    for (const base of bases) {
      const { searchEntries } = await client.search(base, userSearch(filter));
      for (const entry of searchEntries) found.set(entry.dn.toLowerCase(), toUser(entry));
    }
    if (found.size > 1) throw UserAmbiguous({ count: found.size });
    return found.values().next().value ?? null;
  });
}

/**
 * The user a typed name means, by sAMAccountName, UPN or DOMAIN\name: a down-level name or UPN
 * suffix of another domain finds nobody. Nothing is asked of the DC for a name that cannot be one.
 */
export async function findUserNamed(
  accountName: string,
  domain: string | undefined,
  domainInfo: () => Promise<DomainInfo>,
  findOne: FindOneUser,
): Promise<DirectoryUser | null> {
  const name = parseAccountName(accountName, domain);
  if (!name) return null;
  const info = await domainInfo();
  switch (name.kind) {
    case 'sam':
      return findOne(equals('sAMAccountName', name.sam));
    case 'down-level': {
      const typed = name.domain.toLowerCase();
      if (typed !== info.netbiosDomain.toLowerCase() && typed !== info.dnsDomain.toLowerCase()) return null;
      return findOne(equals('sAMAccountName', name.sam));
    }
    case 'upn': {
      const byUpn = await findOne(equals('userPrincipalName', name.upn));
      if (byUpn || name.suffix.toLowerCase() !== info.dnsDomain.toLowerCase()) return byUpn;
      // AD also accepts the implicit UPN sAMAccountName@dns-domain of accounts without one.
      return findOne(equals('sAMAccountName', name.local));
    }
  }
}

/** The groups matching `filter` under `baseDn`, those whose DN is in `direct` marked direct. */
export async function searchGroups(client: Client, baseDn: string, filter: Filter, direct: Set<string>): Promise<GroupMembership[]> {
  const { searchEntries } = await client.search(baseDn, {
    scope: 'sub',
    filter,
    attributes: ['cn', 'objectSid'],
    explicitBufferAttributes: ['objectSid'],
  });
  return searchEntries.map((raw) => {
    const entry = readEntry(raw);
    const sid = entry.bytes('objectSid');
    return {
      dn: entry.dn,
      name: entry.text('cn') ?? entry.dn,
      sid: sid ? sidToString(sid) : '',
      direct: direct.has(entry.dn.toLowerCase()),
    };
  });
}

/** Search options for user entries matching `filter` in a subtree. */
export function userSearch(filter: Filter) {
  return { scope: 'sub', filter, attributes: USER_ATTRIBUTES, explicitBufferAttributes: BINARY_ATTRIBUTES } as const;
}

/** A user search entry as a DirectoryUser. */
export function toUser(entry: Entry): DirectoryUser {
  return directoryUser(readEntry(entry));
}
