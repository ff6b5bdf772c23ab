/**
 * The expiry reminders' scan: enabled users whose password can expire, read with a paged search
 * (pages of a few hundred, each asked for only when the previous one is used up) and yielded one
 * at a time with the expiry the DC computes under the resultant policy.
 */
import type { Client, Entry } from 'ldapts';
import type { AdConnection } from './active-directory-connection.ts';
import { fileTimeToDate, guidToString } from './ad-values.ts';
import type { PasswordExpiry } from './directory.ts';
import { and, equals, flagsSet, not, or, userAccount } from './filters.ts';
import { readEntry } from './ldap-entry.ts';
import { outermostBases } from './scope.ts';

const DEFAULT_PAGE = 500;
/** userAccountControl: ACCOUNTDISABLE, DONT_EXPIRE_PASSWORD. */
const DISABLED = 0x2;
const NEVER_EXPIRES = 0x10000;
/** A constructed attribute: the DC returns it only when named, and cannot filter on it. */
const EXPIRY = 'msDS-UserPasswordExpiryTimeComputed';
const ATTRIBUTES = ['objectGUID', 'sAMAccountName', 'displayName', 'mail', 'mobile', 'pwdLastSet', EXPIRY];

/** Enabled users whose password can expire and who need not change it at next logon. */
const CANDIDATES = userAccount(
  and(not(or(flagsSet('userAccountControl', DISABLED), flagsSet('userAccountControl', NEVER_EXPIRES))), not(equals('pwdLastSet', '0'))),
);

/** The expiring accounts under `bases` (nested bases are scanned once), a page at a time. */
export async function* scanPasswordExpiries(connection: AdConnection, bases: string[], pageSize = DEFAULT_PAGE): AsyncGenerator<PasswordExpiry> {
  for (const base of outermostBases(bases)) {
    const pages = connection.pagesAsService({ operation: 'scan password expiries', dn: base }, (client) => expiryPages(client, base, pageSize));
    for await (const page of pages) yield* page;
  }
}

async function* expiryPages(client: Client, base: string, pageSize: number): AsyncGenerator<PasswordExpiry[]> {
  const search = client.searchPaginated(base, {
    scope: 'sub',
    filter: CANDIDATES,
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
