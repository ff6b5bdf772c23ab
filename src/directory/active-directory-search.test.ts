/**
 * The helpdesk search (active-directory-search.ts), against the real Samba AD domain of
 * scripts/dev-ad. Users are created per test with names that carry a random tag, so results
 * can be counted exactly whatever else is in the domain.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change, Client, type SearchOptions } from 'ldapts';
import { rejectsWithCode } from '../testing/assertions.ts';
import { adminClient, createUser, devDirectory, devDomain, type OuKey, removeEntries } from '../testing/dev-domain.ts';
import type { ActiveDirectory } from './active-directory.ts';
import type { DirectoryUser, UserPage } from './directory.ts';

const facts = devDomain();
const delegated = facts.delegatedOus; // OU=Staff and OU=Contractors
let admin: Client;
let directory: ActiveDirectory;
/** Sees the whole domain, to read back users created outside the delegated OUs. */
let wholeDomain: ActiveDirectory;
/** The same directory, told that the DC lists no sort control. */
let withoutSort: ActiveDirectory;
/** A directory that cannot reach any DC: whatever it answers, it answered without asking one. */
let unreachable: ActiveDirectory;
const created: string[] = [];

before(async () => {
  admin = await adminClient();
  directory = devDirectory();
  wholeDomain = devDirectory({ searchBases: [facts.baseDn] });
  withoutSort = devDirectory();
  const discovered = withoutSort.domain.bind(withoutSort);
  withoutSort.domain = async () => ({ ...(await discovered()), serverSideSort: false });
  unreachable = devDirectory({ urls: ['ldaps://127.0.0.1:1'], connectTimeoutMs: 1_000 });
});

after(async () => {
  await removeEntries(admin, created.reverse());
  await admin.unbind();
  await Promise.all([directory, wholeDomain, withoutSort, unreachable].map((it) => it.close()));
});

/** A short tag unique to this run, to start names with (sAMAccountName holds 20 characters). */
function tag(): string {
  return `q${randomBytes(3).toString('hex')}`;
}

/** A new user in `ou` with the given naming attributes replaced, read back through Latchkey. */
async function person(ou: OuKey, names: Record<string, string> = {}): Promise<DirectoryUser> {
  const { dn, sam } = await createUser(admin, ou);
  created.push(dn);
  const changes = Object.entries(names).map(([type, value]) => new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) }));
  if (changes.length) await admin.modify(dn, changes);
  const user = await wholeDomain.findUser(names.sAMAccountName ?? sam);
  assert.ok(user, `the new user ${dn} is found`);
  return user;
}

const sams = (page: UserPage) => page.users.map((user) => user.samAccountName);

/** Every page of a search, following `next` until it is null. */
async function allPages(on: ActiveDirectory, query: string, limit: number, bases = delegated): Promise<UserPage[]> {
  const pages: UserPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await on.searchUsers(query, { bases, limit, ...(cursor ? { after: cursor } : {}) });
    pages.push(page);
    cursor = page.next ?? undefined;
    assert.ok(pages.length < 50, 'paging ends');
  } while (cursor);
  return pages;
}

interface ObservedSearch {
  base: string;
  sizeLimit: number | undefined;
  pageSize: number | undefined;
  /** Entries the DC sent for this search. */
  sent: number;
}

/**
 * Runs `work` while counting the entries the DC sends for each user search (ldapts'
 * searchPaginated, which the search uses, yields each response of the DC as a page).
 */
async function observeSearches<T>(work: () => Promise<T>): Promise<{ result: T; searches: ObservedSearch[] }> {
  const original = Client.prototype.searchPaginated;
  const searches: ObservedSearch[] = [];
  Client.prototype.searchPaginated = async function* (this: Client, base, options: SearchOptions = {}, controls) {
    const search: ObservedSearch = {
      base: String(base),
      sizeLimit: options.sizeLimit,
      pageSize: typeof options.paged === 'object' ? options.paged.pageSize : undefined,
      sent: 0,
    };
    searches.push(search);
    for await (const page of original.call(this, base, options, controls)) {
      search.sent += page.searchEntries.length;
      yield page;
    }
  };
  try {
    return { result: await work(), searches };
  } finally {
    Client.prototype.searchPaginated = original;
  }
}

describe('searching users for the helpdesk', () => {
  test('by the start of the username, display name, mail, UPN, or "Given Surname"', async () => {
    const t = tag();
    const user = await person('staff', {
      sAMAccountName: `${t}jo`,
      displayName: `D${t} Display`,
      givenName: `G${t}`,
      sn: `S${t}`,
      mail: `M${t}@${facts.dnsDomain}`,
      userPrincipalName: `U${t}@${facts.dnsDomain}`,
    });
    const found = async (query: string) => (await directory.searchUsers(query, { bases: delegated, limit: 10 })).users.map((it) => it.dn);
    for (const query of [`${t}J`, `d${t}`, `D${t} Disp`, `m${t}@${facts.dnsDomain.slice(0, 3)}`, `u${t}`, `G${t}`, `S${t}`]) {
      assert.deepEqual(await found(query), [user.dn], query);
    }
    // Given name and surname typed with a space (the display name does not start that way).
    assert.deepEqual(await found(`G${t} S${t}`), [user.dn]);
    assert.deepEqual(await found(`  g${t}   s${t.slice(0, 3)} `), [user.dn], 'any case, surname prefix, extra spaces');
    assert.deepEqual(await found(`S${t} G${t}`), [], 'surname first is not "Given Surname"');
    assert.deepEqual(await found(`${t.slice(1)}`), [], 'a prefix, not a substring');
  });

  test('never outside the given bases: not OU=Vendors, nor the service accounts', async () => {
    const t = tag();
    const staff = await person('staff', { sAMAccountName: `${t}s` });
    const contractor = await person('contractors', { sAMAccountName: `${t}c` });
    const vendor = await person('vendors', { sAMAccountName: `${t}v` });
    const search = (bases: string[]) => directory.searchUsers(t, { bases, limit: 10 });
    assert.deepEqual(sams(await search(delegated)), [contractor.samAccountName, staff.samAccountName]);
    assert.deepEqual(sams(await search([facts.ous.vendors])), [vendor.samAccountName]);
    assert.deepEqual(
      sams(await search([facts.ous.staff, facts.ous.staff.toLowerCase(), `OU=Sub,${facts.ous.staff}`])),
      [staff.samAccountName],
      'each subtree once',
    );
    assert.deepEqual(sams(await search([])), []);
    assert.deepEqual(sams(await search(['', ' '])), [], 'an empty base is not the whole domain');
    assert.deepEqual(sams(await directory.searchUsers(facts.serviceAccount.sam, { bases: delegated, limit: 10 })), []);
  });

  test('typed filter syntax is literal and finds nothing special', async () => {
    const t = tag();
    await person('staff', { sAMAccountName: `${t}x` });
    for (const query of ['*', ')(', '*)(sAMAccountName=*', '*)(|(objectClass=*', '\\2a', '\\', `${t}*`, `${t})(`, `*${t}`]) {
      const page = await directory.searchUsers(query, { bases: delegated, limit: 50 });
      assert.deepEqual(sams(page), [], query);
    }
    assert.deepEqual(sams(await directory.searchUsers(t, { bases: delegated, limit: 50 })), [`${t}x`]);
  });

  test('an empty or blank query finds nobody without asking the DC', async () => {
    for (const query of ['', '   ', '\t\n']) {
      assert.deepEqual(await unreachable.searchUsers(query, { bases: delegated, limit: 10 }), { users: [], next: null });
    }
    // The same search with a query does ask, and so fails.
    await rejectsWithCode(unreachable.searchUsers('a', { bases: delegated, limit: 10 }), 'LK_DIRECTORY_UNREACHABLE');
  });

  describe('paging by sAMAccountName', () => {
    const t = tag();
    // Case and punctuation mixed, across both OUs, so that the DC's order and the merge agree.
    const staffNames = [`${t}-b`, `${t}A1`, `${t}Z3`, `${t}_a`];
    const contractorNames = [`${t}0c`, `${t}b2`, `${t}zz`];
    // Samba compares names with ASCII folded to upper case: - < 0 < A1 < b2 < Z3 < zz < _
    const ordered = [`${t}-b`, `${t}0c`, `${t}A1`, `${t}b2`, `${t}Z3`, `${t}zz`, `${t}_a`];

    before(async () => {
      for (const name of staffNames) await person('staff', { sAMAccountName: name });
      for (const name of contractorNames) await person('contractors', { sAMAccountName: name });
    });

    for (const [label, on] of [
      ['with the sort control', () => directory],
      ['without the sort control', () => withoutSort],
    ] as const) {
      test(`7 users, 3 a page: 3, 3, 1, in order, no duplicates, no gaps (${label})`, async () => {
        const pages = await allPages(on(), t, 3);
        assert.deepEqual(
          pages.map((page) => page.users.length),
          [3, 3, 1],
        );
        assert.deepEqual(pages.flatMap(sams), ordered);
        assert.deepEqual(
          pages.map((page) => page.next),
          [ordered[2], ordered[5], null],
        );
      });

      test(`every page size partitions the same list, with no empty last page (${label})`, async () => {
        for (const limit of [1, 2, 4, 6, 7, 8, 200]) {
          const pages = await allPages(on(), t, limit);
          assert.deepEqual(pages.flatMap(sams), ordered, `limit ${limit}`);
          assert.ok(
            pages.every((page) => page.users.length > 0),
            `no empty page with limit ${limit}`,
          );
          assert.equal(pages.length, Math.ceil(ordered.length / limit), `limit ${limit}`);
        }
      });
    }

    test('a cursor typed in another case, or naming nobody, still pages correctly', async () => {
      const page = await directory.searchUsers(t, { bases: delegated, limit: 2, after: ordered[2]!.toUpperCase() });
      assert.deepEqual(sams(page), ordered.slice(3, 5));
      const between = await directory.searchUsers(t, { bases: delegated, limit: 10, after: `${t}B` });
      assert.deepEqual(sams(between), ordered.slice(3), 'starts after where "B" would be');
      const injected = await directory.searchUsers(t, { bases: delegated, limit: 10, after: `${t}zz)(sAMAccountName=*` });
      assert.deepEqual(sams(injected), [`${t}_a`], 'a cursor is a value compared as such, not filter syntax');
    });

    test('the limit is clamped to 1..200', async () => {
      assert.equal((await directory.searchUsers(t, { bases: delegated, limit: 0 })).users.length, 1);
      assert.equal((await directory.searchUsers(t, { bases: delegated, limit: -5 })).users.length, 1);
      assert.equal((await directory.searchUsers(t, { bases: delegated, limit: Number.NaN })).users.length, 1);
      assert.equal((await directory.searchUsers(t, { bases: delegated, limit: 2.9 })).users.length, 2);
      const { searches } = await observeSearches(() => directory.searchUsers(t, { bases: delegated, limit: 100_000 }));
      assert.deepEqual(
        searches.map((search) => [search.sizeLimit, search.pageSize]),
        [
          [201, 201],
          [201, 201],
        ],
        'at most 200 users and the one that tells whether more follow, per base',
      );
    });
  });

  test('a query matching many users: only a page comes back, and the DC sends little more', async () => {
    const t = tag();
    for (let i = 0; i < 12; i++) await person(i % 3 === 0 ? 'contractors' : 'staff', { sAMAccountName: `${t}m${String(i).padStart(2, '0')}` });
    const { result: first, searches } = await observeSearches(() => directory.searchUsers(t, { bases: delegated, limit: 3 }));
    assert.deepEqual(sams(first), [`${t}m00`, `${t}m01`, `${t}m02`]);
    assert.equal(first.next, `${t}m02`);
    assert.deepEqual(
      searches.map((search) => search.base),
      delegated,
      'one search per base',
    );
    for (const search of searches) assert.ok(search.sent <= 4, `the DC sent ${search.sent} entries from ${search.base}, not all 12`);

    const { result: second, searches: more } = await observeSearches(() => directory.searchUsers(t, { bases: delegated, limit: 3, after: first.next! }));
    assert.deepEqual(sams(second), [`${t}m03`, `${t}m04`, `${t}m05`]);
    for (const search of more) assert.ok(search.sent <= 5, `the DC sent ${search.sent} entries from ${search.base}`);

    // The whole domain, and every user the tests made (givenName "Test"): still one page.
    const { result: wide, searches: wideSearches } = await observeSearches(() => directory.searchUsers('Test', { bases: [facts.baseDn], limit: 5 }));
    assert.equal(wide.users.length, 5);
    assert.ok(wide.next);
    assert.ok(
      wideSearches.every((search) => search.sent <= 6),
      `sent ${wideSearches.map((search) => search.sent).join(', ')}`,
    );
    const everyone = await allPages(directory, 'Test', 200, [facts.baseDn]);
    assert.ok(everyone.flatMap(sams).length >= 12 + 7, 'many more users matched than were sent');
  });
});

describe('listing every user, a page at a time', () => {
  test('each user of the bases comes once, in order, over pages; none from elsewhere; with or without the sort control', async () => {
    const inside = [await person('staff'), await person('contractors')];
    const outside = await person('vendors');
    for (const on of [directory, withoutSort]) {
      const listed: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await on.listUsers({ bases: delegated, limit: 50, ...(cursor ? { after: cursor } : {}) });
        listed.push(...sams(page));
        cursor = page.next ?? undefined;
        assert.ok(listed.length < 100_000, 'paging ends');
      } while (cursor);
      for (const user of inside) assert.equal(listed.filter((sam) => sam === user.samAccountName).length, 1, `${user.samAccountName} once`);
      assert.ok(!listed.includes(outside.samAccountName), 'nobody outside the bases');
      assert.ok(!listed.includes(facts.serviceAccount.sam), 'nor the service account');
      const upper = listed.map((sam) => sam.toUpperCase());
      assert.deepEqual(upper, [...upper].sort(), 'in name order');
      assert.equal(new Set(upper).size, upper.length, 'no one twice across pages');
    }
  });
});
