/**
 * The helpdesk's user search, and the listing of every user a page at a time (enrollment
 * campaigns): one page in sAMAccountName order over several subtrees, asking
 * each DC for little more than a page, sorted by the DC when it can sort, else scanned a page at
 * a time with only the smallest names kept.
 */
import { type Client, type Filter, ServerSideSortingRequestControl } from 'ldapts';
import type { AdConnection } from './active-directory-connection.ts';
import { toUser, userSearch } from './active-directory-users.ts';
import type { DirectoryUser, UserPage, UserSearchOptions } from './directory.ts';
import { and, atLeast, equals, nameStartsWith, userAccount } from './filters.ts';
import { outermostBases } from './scope.ts';

/** Users per page of a search. */
const MAX_PAGE = 200;
/** Page size of the paged search that stands in for sorting on a DC without the sort control. */
const SCAN_PAGE = 200;

/**
 * One page of the users in `options.bases` whose names start with `query` (see
 * Directory.searchUsers). `sorts` tells whether the DC sorts; it is asked only when there is
 * something to search for.
 */
export async function searchUserPage(connection: AdConnection, query: string, options: UserSearchOptions, sorts: () => Promise<boolean>): Promise<UserPage> {
  const text = query.trim().replace(/\s+/g, ' ');
  return text ? userPage(connection, nameStartsWith(text), options, sorts) : { users: [], next: null };
}

/** One page of every user in `options.bases` (see Directory.listUsers). */
export function listUserPage(connection: AdConnection, options: UserSearchOptions, sorts: () => Promise<boolean>): Promise<UserPage> {
  return userPage(connection, equals('objectClass', 'user'), options, sorts);
}

async function userPage(connection: AdConnection, match: Filter, options: UserSearchOptions, sorts: () => Promise<boolean>): Promise<UserPage> {
  const bases = outermostBases(options.bases);
  if (bases.length === 0) return { users: [], next: null };
  const limit = Math.min(MAX_PAGE, Math.max(1, Math.trunc(options.limit) || 1));
  const after = options.after || null;
  const filter = userAccount(after ? and(match, atLeast('sAMAccountName', after)) : match);
  // One more than a page tells whether another page follows. With a cursor its own entry comes
  // back too (>=) and is dropped: one more again, or a full last page would promise an empty one.
  const wanted = limit + 1 + (after ? 1 : 0);
  const serverSideSort = await sorts();
  return connection.asService({ operation: 'search for users', dn: bases.join('; ') }, async (client) => {
    const perBase: DirectoryUser[][] = [];
    for (const base of bases) {
      const found = serverSideSort ? await firstSorted(client, base, filter, wanted) : await smallestScanned(client, base, filter, wanted);
      perBase.push(found.filter((user) => !after || compareNames(user.samAccountName, after) !== 0));
    }
    const merged = mergeSorted(perBase, (a, b) => compareNames(a.samAccountName, b.samAccountName));
    const users = merged.slice(0, limit);
    return { users, next: merged.length > limit ? users.at(-1)!.samAccountName : null };
  });
}

/**
 * The first `size` users of a search in sAMAccountName order, sorted by the DC. Both limits are
 * sent: AD honours the size limit (and then ignores paging), Samba ignores the size limit but
 * sends pages; the rest of the result set is never fetched.
 */
async function firstSorted(client: Client, base: string, filter: Filter, size: number): Promise<DirectoryUser[]> {
  const pages = client.searchPaginated(
    base,
    { ...userSearch(filter), sizeLimit: size, paged: { pageSize: size } },
    new ServerSideSortingRequestControl({ value: { attributeType: 'sAMAccountName' }, critical: true }),
  );
  try {
    const first = await pages.next();
    return first.done ? [] : first.value.searchEntries.slice(0, size).map(toUser);
  } finally {
    await pages.return(undefined);
  }
}

/**
 * The same without the sort control: every match is read a page at a time and only the
 * `size` smallest are kept, so memory stays bounded (the DC still sends every match).
 */
async function smallestScanned(client: Client, base: string, filter: Filter, size: number): Promise<DirectoryUser[]> {
  const kept: DirectoryUser[] = [];
  for await (const page of client.searchPaginated(base, { ...userSearch(filter), paged: { pageSize: SCAN_PAGE } })) {
    for (const user of page.searchEntries.map(toUser)) {
      const at = kept.findIndex((other) => compareNames(user.samAccountName, other.samAccountName) < 0);
      kept.splice(at < 0 ? kept.length : at, 0, user);
      if (kept.length > size) kept.pop();
    }
  }
  return kept;
}

/**
 * sAMAccountName order as the DC sorts and compares it (Samba: ASCII case folded to upper case,
 * then code units), for merging the pages of several bases and dropping the cursor's entry.
 */
function compareNames(a: string, b: string): number {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Merges lists that are each in `compare` order, keeping each list's own order. */
function mergeSorted<T>(lists: T[][], compare: (a: T, b: T) => number): T[] {
  const queues = lists.filter((list) => list.length > 0).map((list) => [...list]);
  const merged: T[] = [];
  while (queues.length > 0) {
    const smallest = queues.reduce((best, queue) => (compare(queue[0]!, best[0]!) < 0 ? queue : best));
    merged.push(smallest.shift()!);
    if (smallest.length === 0) queues.splice(queues.indexOf(smallest), 1);
  }
  return merged;
}
