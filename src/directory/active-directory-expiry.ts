/**
 * The expiry reminders' scan: enabled users whose password can expire, read with paged searches
 * (pages of a few hundred, each asked for only when the previous one is used up) and yielded one
 * at a time with the expiry the DC computes under the resultant policy. Computing it is most of
 * the DC's work (about five times the rest of the search), so the accounts are read in shares
 * over connections of their own at once, and a DC with two cores answers in about half the time.
 */
import type { Client, Entry, Filter } from 'ldapts';
import { accountShares } from './account-shares.ts';
import type { AdConnection } from './active-directory-connection.ts';
import { fileTimeToDate, guidToString } from './ad-values.ts';
import type { PasswordExpiry } from './directory.ts';
import { and, equals, flagsSet, not, or, userAccount } from './filters.ts';
import { interleave } from './interleave.ts';
import { readEntry } from './ldap-entry.ts';
import { outermostBases } from './scope.ts';

const DEFAULT_PAGE = 500;
/** Connections the scan reads over at once: enough for a DC's spare cores, not enough to crowd out the portal's own requests. */
const DEFAULT_CONNECTIONS = 2;
/** userAccountControl: ACCOUNTDISABLE, DONT_EXPIRE_PASSWORD. */
const DISABLED = 0x2;
const NEVER_EXPIRES = 0x10000;
/** A constructed attribute: the DC returns it only when named, and cannot filter on it. */
const EXPIRY = 'msDS-UserPasswordExpiryTimeComputed';
const ATTRIBUTES = ['objectGUID', 'sAMAccountName', 'displayName', 'mail', 'mobile', 'pwdLastSet', EXPIRY];

/** Enabled users whose password can expire and who need not change it at next logon. */
const CANDIDATES = and(not(or(flagsSet('userAccountControl', DISABLED), flagsSet('userAccountControl', NEVER_EXPIRES))), not(equals('pwdLastSet', '0')));

/**
 * The expiring accounts under `bases` (nested bases are scanned once), a page at a time, read
 * over `connections` service-account connections opened for the scan and closed after it.
 */
export async function* scanPasswordExpiries(
  connection: AdConnection,
  bases: string[],
  { pageSize = DEFAULT_PAGE, connections = DEFAULT_CONNECTIONS }: { pageSize?: number; connections?: number } = {},
): AsyncGenerator<PasswordExpiry> {
  const filters = (accountShares(connections) ?? [null]).map((share) => userAccount(share ? and(CANDIDATES, share) : CANDIDATES));
  for (const base of outermostBases(bases)) {
    const context = { operation: 'scan password expiries', dn: base };
    const shares = filters.map((filter) => connection.pagesOnOwnConnection(context, (client) => expiryPages(client, base, filter, pageSize)));
    for await (const page of interleave(shares)) yield* page;
  }
}

async function* expiryPages(client: Client, base: string, filter: Filter, pageSize: number): AsyncGenerator<PasswordExpiry[]> {
  const search = client.searchPaginated(base, {
    scope: 'sub',
    filter,
    attributes: ATTRIBUTES,
    explicitBufferAttributes: ['objectGUID'],
    paged: { pageSize },
  });
  for await (const page of search) yield page.searchEntries.flatMap(toExpiry);
}

/** The entry as a PasswordExpiry; none when its password never expires (a policy without maximum age). */
function toExpiry(raw: Entry): PasswordExpiry[] {
  const entry = readEntry(raw);
  const guid = entry.bytes('objectGUID');
  const sam = entry.text('sAMAccountName');
  const passwordSet = entry.text('pwdLastSet');
  const expiresAt = fileTimeToDate(entry.text(EXPIRY));
  if (!guid || !sam || !passwordSet || !expiresAt) return [];
  return [
    {
      guid: guidToString(guid),
      dn: entry.dn,
      samAccountName: sam,
      displayName: entry.text('displayName') ?? null,
      mail: entry.text('mail') ?? null,
      mobile: entry.text('mobile') ?? null,
      passwordSet,
      expiresAt,
    },
  ];
}
