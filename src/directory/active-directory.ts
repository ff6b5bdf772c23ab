/**
 * The Directory over LDAP to Active Directory (or Samba AD), with ldapts.
 *
 * One service-account connection is kept and reused; when the DC drops it, the next call opens
 * a new one (trying each configured DC in turn). User binds use a connection of their own that
 * is closed at once. No password is ever sent over a connection that is not encrypted. A write
 * whose answer is lost with the connection is settled by reading the account again on the same
 * DC (write-outcome.ts).
 */
import { Attribute, Change, Client, type Control, type Entry, type Filter, ServerSideSortingRequestControl } from 'ldapts';
import {
  attributeRejectionOf,
  bindFailureError,
  bindFailureOf,
  isConnectionError,
  isLostAfterSending,
  isTlsError,
  type OperationContext,
  translateLdapError,
} from './ad-errors.ts';
import { encodeUnicodePwd, guidToBytes, isGuid, sidToBytes, sidToString } from './ad-values.ts';
import { parseAccountName } from './account-name.ts';
import type {
  BindOutcome,
  Directory,
  DirectoryUser,
  DomainInfo,
  GroupIdentity,
  GroupMembership,
  Protection,
  ResetOptions,
  UserPage,
  UserSearchOptions,
  WriteReceipt,
} from './directory.ts';
import {
  type DelegatedRight,
  DirectoryNotEncrypted,
  GroupAmbiguous,
  GroupNotFound,
  InvalidCredentials,
  ServiceAccountRejected,
  UserAmbiguous,
  UserNotFound,
} from './errors.ts';
import { and, atLeast, DN_LIKE, equals, groupsContaining, groupsNamed, nameStartsWith, userAccount } from './filters.ts';
import { readEntry } from './ldap-entry.ts';
import { DOMAIN_POLICY_ATTRIBUTES, domainPolicy, fineGrainedPolicy, type PasswordPolicy, PSO_ATTRIBUTES } from './password-policy.ts';
import { choosePolicyHintsOid, resetControls } from './policy-hints.ts';
import { checkAttributeName, checkEditableAttribute } from './profile-attributes.ts';
import { protectedGroupName } from './protected-groups.ts';
import { outermostBases } from './scope.ts';
import { type DirectoryTrust, pinnedConnect, tlsOptions } from './tls.ts';
import { BINARY_ATTRIBUTES, directoryUser, USER_ATTRIBUTES } from './user-entry.ts';
import { NotFilter } from 'ldapts';
import type { WritableAttributes } from './directory.ts';
import { DACL_SECURITY_INFORMATION, SdFlagsControl } from './sd-flags-control.ts';
import { type AccountMarks, accountMarks, type IntendedChange, MARK_ATTRIBUTES, MARK_BINARY_ATTRIBUTES, settleLostWrite } from './write-outcome.ts';

/** Users per page of a search. */
const MAX_PAGE = 200;
/** Page size of the paged search that stands in for sorting on a DC without the sort control. */
const SCAN_PAGE = 200;

export interface ActiveDirectoryOptions {
  /** Domain controllers, tried in order: `ldaps://dc:636`, or `ldap://dc:389` with StartTLS. */
  urls: string[];
  /** Upgrade ldap:// connections with StartTLS (default true). Without it no password is sent. */
  startTls?: boolean;
  /** How the DC certificates are trusted. */
  trust?: DirectoryTrust;
  /** The service account: a DN, a UPN or DOMAIN\name. */
  bindDn: string;
  bindPassword: string;
  /** Subtrees in which users are found; default: the whole domain. */
  searchBases?: string[];
  /** Per-operation time limit (default 10 s). */
  timeoutMs?: number;
  /** Time limit for opening a connection (default 5 s). */
  connectTimeoutMs?: number;
  /** Told how long each service-account operation took (for the metrics). */
  onOperation?: (operation: string, seconds: number, ok: boolean) => void;
}

interface Session {
  client: Client;
  url: string;
}

export class ActiveDirectory implements Directory {
  private readonly options: ActiveDirectoryOptions;
  private service: Promise<Session> | null = null;
  private domainInfo: Promise<DomainInfo> | null = null;

  constructor(options: ActiveDirectoryOptions) {
    if (options.urls.length === 0) throw new RangeError('at least one directory URL is needed');
    this.options = options;
  }

  domain(): Promise<DomainInfo> {
    this.domainInfo ??= this.discoverDomain().catch((error: unknown) => {
      this.domainInfo = null;
      throw error;
    });
    return this.domainInfo;
  }

  async findUser(accountName: string, domain?: string): Promise<DirectoryUser | null> {
    const name = parseAccountName(accountName, domain);
    if (!name) return null;
    const info = await this.domain();
    switch (name.kind) {
      case 'sam':
        return this.findOneUser(equals('sAMAccountName', name.sam));
      case 'down-level': {
        const typed = name.domain.toLowerCase();
        if (typed !== info.netbiosDomain.toLowerCase() && typed !== info.dnsDomain.toLowerCase()) return null;
        return this.findOneUser(equals('sAMAccountName', name.sam));
      }
      case 'upn': {
        const byUpn = await this.findOneUser(equals('userPrincipalName', name.upn));
        if (byUpn || name.suffix.toLowerCase() !== info.dnsDomain.toLowerCase()) return byUpn;
        // AD also accepts the implicit UPN sAMAccountName@dns-domain of accounts without one.
        return this.findOneUser(equals('sAMAccountName', name.local));
      }
    }
  }

  async getUser(guid: string, bases?: string[]): Promise<DirectoryUser | null> {
    if (!isGuid(guid)) return null;
    return this.findOneUser(equals('objectGUID', guidToBytes(guid)), bases);
  }

  async verifyPassword(user: DirectoryUser, password: string): Promise<BindOutcome> {
    // A simple bind with an empty password is an anonymous bind, which "succeeds".
    if (password === '') return { ok: false, reason: 'invalid-credentials' };
    try {
      const session = await this.open(user.dn, password);
      await session.client.unbind().catch(() => undefined);
      return { ok: true };
    } catch (error) {
      const reason = bindFailureOf(error);
      if (reason) return { ok: false, reason };
      throw this.translate(error, { operation: 'check the password', dn: user.dn });
    }
  }

  async resetPassword(user: DirectoryUser, newPassword: string, options: ResetOptions = {}): Promise<WriteReceipt> {
    const { mustChange = false, unlock = true } = options;
    const changes = [replace('unicodePwd', encodeUnicodePwd(newPassword))];
    const rights: DelegatedRight[] = ['Reset Password'];
    if (unlock) {
      changes.push(replace('lockoutTime', '0'));
      rights.push('Write lockoutTime');
    }
    if (mustChange) {
      changes.push(replace('pwdLastSet', '0'));
      rights.push('Write pwdLastSet');
    }
    const { policyHintsOid } = await this.domain();
    const context = { operation: 'reset the password', dn: user.dn, rights };
    return this.asService(context, (client, url) => this.confirmedPasswordModify({ client, url }, user, context, changes, resetControls(policyHintsOid)));
  }

  async unlock(user: DirectoryUser): Promise<WriteReceipt> {
    const context = { operation: 'unlock the account', dn: user.dn, rights: ['Write lockoutTime' as const] };
    return this.asService(context, (client, url) =>
      this.confirmedModify({ client, url }, user, context, [replace('lockoutTime', '0')], { kind: 'unlocked' }),
    );
  }

  async setMustChange(user: DirectoryUser, mustChange: boolean): Promise<WriteReceipt> {
    // pwdLastSet accepts only 0 (must change) and -1 (now, which clears the flag).
    const context = { operation: mustChange ? 'require a password change' : 'clear "must change password"', dn: user.dn, rights: ['Write pwdLastSet' as const] };
    return this.asService(context, (client, url) =>
      this.confirmedModify({ client, url }, user, context, [replace('pwdLastSet', mustChange ? '0' : '-1')], { kind: 'must-change', on: mustChange }),
    );
  }

  async changePassword(user: DirectoryUser, oldPassword: string, newPassword: string): Promise<WriteReceipt> {
    if (oldPassword === '') throw InvalidCredentials({});
    // The DC checks the old password: delete the old value and add the new one in one modify.
    const changes = [
      new Change({ operation: 'delete', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(oldPassword)] }) }),
      new Change({ operation: 'add', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(newPassword)] }) }),
    ];
    const context: Omit<OperationContext, 'server'> = { operation: 'change the password', dn: user.dn, rights: ['Change Password'] };
    let session: Session;
    try {
      session = await this.open(user.dn, oldPassword);
    } catch (error) {
      const reason = bindFailureOf(error);
      if (reason !== 'must-change' && reason !== 'password-expired') {
        throw reason ? bindFailureError(reason) : this.translate(error, context);
      }
      // AD refuses a bind with an expired or must-change password even though it is right.
      // The change itself is open to anyone who knows the old password (the Change Password
      // right is granted to Everyone), so it goes through the service account's connection.
      return this.asService(context, (client, url) => this.confirmedPasswordModify({ client, url }, user, context, changes));
    }
    try {
      return await this.confirmedPasswordModify(session, user, context, changes);
    } catch (error) {
      throw translateLdapError(error, { ...context, server: session.url });
    } finally {
      await session.client.unbind().catch(() => undefined);
    }
  }

  async passwordPolicy(user?: DirectoryUser): Promise<PasswordPolicy> {
    const { baseDn } = await this.domain();
    return this.asService({ operation: 'read the password policy', dn: baseDn }, async (client) => {
      const head = await this.readOne(client, baseDn, [...DOMAIN_POLICY_ATTRIBUTES]);
      const policy = domainPolicy(Object.fromEntries(DOMAIN_POLICY_ATTRIBUTES.map((name) => [name, head?.text(name)])));
      const psoDn = user && (await this.readOne(client, user.dn, ['msDS-ResultantPSO']))?.text('msDS-ResultantPSO');
      if (!psoDn) return policy;
      // By default only admins may read a PSO's settings; the entry then comes back empty.
      const pso = await this.readOne(client, psoDn, [...PSO_ATTRIBUTES]).catch(() => null);
      if (!pso?.text('msDS-MinimumPasswordLength')) return { ...policy, unreadablePso: rdnValue(psoDn) };
      return fineGrainedPolicy(Object.fromEntries(PSO_ATTRIBUTES.map((name) => [name, pso.text(name)])));
    });
  }

  async protection(user: DirectoryUser): Promise<Protection> {
    const reasons: string[] = [];
    if (user.adminCount) reasons.push('adminCount is 1');
    for (const group of await this.groupsOf(user)) {
      const name = protectedGroupName(group.sid);
      if (name) reasons.push(`member of ${name}`);
    }
    return { protected: reasons.length > 0, reasons };
  }

  async groupsOf(user: DirectoryUser): Promise<GroupMembership[]> {
    const { baseDn, domainSid } = await this.domain();
    return this.asService({ operation: 'read group memberships', dn: user.dn }, async (client) => {
      const direct = new Set(user.memberOf.map((dn) => dn.toLowerCase()));
      const found = new Map<string, GroupMembership>();
      const add = (entries: GroupMembership[]) => {
        for (const group of entries) if (!found.has(group.dn.toLowerCase())) found.set(group.dn.toLowerCase(), group);
      };
      const groups = (filter: Filter) => this.searchGroups(client, baseDn, filter, direct);
      add(await groups(groupsContaining(user.dn)));
      // The primary group (usually Domain Users) is not in member/memberOf; it can be Domain Admins.
      const primarySid = `${domainSid}-${user.primaryGroupId}`;
      const [primary] = await groups(and(equals('objectClass', 'group'), equals('objectSid', sidToBytes(primarySid))));
      if (primary) {
        add([{ ...primary, direct: true }]);
        add(await groups(groupsContaining(primary.dn)));
      }
      return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  async resolveGroup(reference: string): Promise<GroupIdentity> {
    const { baseDn } = await this.domain();
    const found = await this.asService({ operation: 'look up the group', dn: baseDn }, (client) => this.searchGroups(client, baseDn, groupsNamed(reference), new Set()));
    if (found.length > 1) throw GroupAmbiguous({ group: reference, dns: found.map((group) => group.dn) });
    const [group] = found;
    if (!group?.sid) throw GroupNotFound({ group: reference });
    return { sid: group.sid, dn: group.dn };
  }

  async countUsers(bases: string[]): Promise<number> {
    const within = bases.length ? bases : this.options.searchBases?.length ? this.options.searchBases : [(await this.domain()).baseDn];
    return this.asService({ operation: 'count users', dn: within.join('; ') }, async (client) => {
      const seen = new Set<string>();
      for (const base of within) {
        // Paged, with no attributes: only the DNs travel, however many users there are.
        for await (const page of client.searchPaginated(base, { scope: 'sub', filter: userAccount(equals('objectClass', 'user')), attributes: ['1.1'], paged: { pageSize: 1000 } })) {
          for (const entry of page.searchEntries) seen.add(entry.dn.toLowerCase());
        }
      }
      return seen.size;
    });
  }

  async searchUsers(query: string, options: UserSearchOptions): Promise<UserPage> {
    const text = query.trim().replace(/\s+/g, ' ');
    const bases = outermostBases(options.bases);
    if (!text || bases.length === 0) return { users: [], next: null };
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.trunc(options.limit) || 1));
    const after = options.after || null;
    const filter = userAccount(after ? and(nameStartsWith(text), atLeast('sAMAccountName', after)) : nameStartsWith(text));
    // One more than a page tells whether another page follows. With a cursor its own entry comes
    // back too (>=) and is dropped: one more again, or a full last page would promise an empty one.
    const wanted = limit + 1 + (after ? 1 : 0);
    const { serverSideSort } = await this.domain();
    return this.asService({ operation: 'search for users', dn: bases.join('; ') }, async (client) => {
      const perBase: DirectoryUser[][] = [];
      for (const base of bases) {
        const found = serverSideSort
          ? await this.firstSorted(client, base, filter, wanted)
          : await this.smallestScanned(client, base, filter, wanted);
        perBase.push(found.filter((user) => !after || compareNames(user.samAccountName, after) !== 0));
      }
      const merged = mergeSorted(perBase, (a, b) => compareNames(a.samAccountName, b.samAccountName));
      const users = merged.slice(0, limit);
      return { users, next: merged.length > limit ? users.at(-1)!.samAccountName : null };
    });
  }

  async readAttributes(user: DirectoryUser, attributes: string[]): Promise<Record<string, string[]>> {
    attributes.forEach(checkAttributeName);
    // An empty attribute list would ask the DC for every attribute.
    if (attributes.length === 0) return {};
    return this.asService({ operation: 'read the attributes', dn: user.dn }, async (client) => {
      const entry = await this.readOne(client, user.dn, attributes);
      if (!entry) throw UserNotFound({});
      return Object.fromEntries(attributes.map((name) => [name, entry.texts(name)]));
    });
  }

  async updateAttributes(user: DirectoryUser, changes: Record<string, string | null>): Promise<void> {
    const names = Object.keys(changes);
    names.forEach(checkEditableAttribute);
    if (names.length === 0) return;
    // Replace with no values deletes them all, and unlike delete it does not fail when there are none.
    const modifications = Object.entries(changes).map(([name, value]) => (value ? replace(name, value) : replace(name)));
    const context = { operation: `change ${names.join(', ')}`, dn: user.dn, rights: names.map((name): DelegatedRight => `Write ${name}`) };
    await this.asService(context, (client) =>
      client.modify(user.dn, modifications).catch((error: unknown) => {
        throw attributeRejectionOf(error, names) ?? error;
      }),
    );
  }

  async close(): Promise<void> {
    const service = this.service;
    this.service = null;
    const session = await service?.catch(() => null);
    await session?.client.unbind().catch(() => undefined);
  }

  // DirectoryDiagnostics: what `latchkey doctor` reads. Nothing here changes the directory.

  async checkServer(url: string): Promise<void> {
    // A directory of its own keeps the attempt on this DC: open() would move on to the next one.
    const single = new ActiveDirectory({ ...this.options, urls: [url] });
    try {
      // An empty name and password is an anonymous bind: the DC answers it without any credential.
      const session = await single.open('', '');
      await session.client.unbind().catch(() => undefined);
    } catch (error) {
      throw translateLdapError(error, { operation: 'connect', server: url });
    }
  }

  async serviceAccount(): Promise<DirectoryUser | null> {
    const { baseDn } = await this.domain();
    const { bindDn } = this.options;
    // The account usually lives outside the search bases (OU=Service Accounts), so the whole domain is searched.
    if (DN_LIKE.test(bindDn)) return this.findOneUser(equals('distinguishedName', bindDn), [baseDn]);
    const wholeDomain = new ActiveDirectory({ ...this.options, searchBases: [baseDn] });
    try {
      return await wholeDomain.findUser(bindDn);
    } finally {
      await wholeDomain.close();
    }
  }

  async tokenGroups(user: DirectoryUser): Promise<string[]> {
    return this.asService({ operation: 'read the token groups', dn: user.dn }, async (client) => {
      // A constructed attribute: the DC computes it only when the entry itself is read (base scope).
      const entry = await this.readOne(client, user.dn, ['tokenGroups'], ['tokenGroups']);
      return (entry?.allBytes('tokenGroups') ?? []).map(sidToString);
    });
  }

  async securityDescriptor(dn: string): Promise<Buffer | null> {
    return this.asService({ operation: 'read the security descriptor', dn }, async (client) => {
      const { searchEntries } = await client.search(
        dn,
        { scope: 'base', attributes: ['nTSecurityDescriptor'], explicitBufferAttributes: ['nTSecurityDescriptor'] },
        new SdFlagsControl(DACL_SECURITY_INFORMATION),
      );
      const bytes = searchEntries[0] ? readEntry(searchEntries[0]).bytes('nTSecurityDescriptor') : undefined;
      return bytes?.length ? bytes : null;
    });
  }

  async writableAttributes(base: string): Promise<WritableAttributes | null> {
    return this.asService({ operation: 'read the effective rights', dn: base }, async (client) => {
      // Not a protected user: on AD, AdminSDHolder's ACL replaces the OU's on those, on purpose.
      const filter = userAccount(new NotFilter({ filter: equals('adminCount', '1') }));
      const pages = client.searchPaginated(base, { scope: 'sub', filter, attributes: ['1.1'], paged: { pageSize: 1 } });
      let dn: string | undefined;
      try {
        const first = await pages.next();
        dn = first.done ? undefined : first.value.searchEntries[0]?.dn;
      } finally {
        await pages.return(undefined);
      }
      if (!dn) return null;
      // Read on the entry itself, where every DC computes constructed attributes.
      const entry = await this.readOne(client, dn, ['allowedAttributesEffective', 'badPwdCount']);
      // Every user has a badPwdCount (0 until a wrong password); absent means it may not be read.
      return { dn, attributes: entry?.texts('allowedAttributesEffective') ?? [], lockoutCountReadable: entry?.text('badPwdCount') !== undefined };
    });
  }

  private async discoverDomain(): Promise<DomainInfo> {
    return this.asService({ operation: 'read the domain information', dn: '(rootDSE)' }, async (client) => {
      const root = await this.readOne(client, '', ['defaultNamingContext', 'configurationNamingContext', 'supportedControl']);
      const baseDn = root?.text('defaultNamingContext');
      const configDn = root?.text('configurationNamingContext');
      if (!root || !baseDn || !configDn) throw new Error('the rootDSE names no default or configuration naming context');
      const { searchEntries: partitions } = await client.search(`CN=Partitions,${configDn}`, {
        scope: 'one',
        filter: and(equals('objectClass', 'crossRef'), equals('nCName', baseDn)),
        attributes: ['nETBIOSName', 'dnsRoot'],
      });
      const partition = partitions[0] && readEntry(partitions[0]);
      const head = await this.readOne(client, baseDn, ['objectSid'], ['objectSid']);
      const sid = head?.bytes('objectSid');
      if (!partition || !sid) throw new Error('the domain partition or the domain SID could not be read');
      return {
        baseDn,
        dnsDomain: partition.text('dnsRoot') ?? '',
        netbiosDomain: partition.text('nETBIOSName') ?? '',
        domainSid: sidToString(sid),
        policyHintsOid: choosePolicyHintsOid(root.texts('supportedControl')),
        serverSideSort: root.texts('supportedControl').includes(ServerSideSortingRequestControl.type),
      };
    });
  }

  private async findOneUser(match: Filter, within?: string[]): Promise<DirectoryUser | null> {
    const bases = within?.length ? within : this.options.searchBases?.length ? this.options.searchBases : [(await this.domain()).baseDn];
    const filter = userAccount(match);
    return this.asService({ operation: 'look up the user', dn: bases.join('; ') }, async (client) => {
      const found = new Map<string, DirectoryUser>();
      for (const base of bases) {
        const { searchEntries } = await client.search(base, userSearch(filter));
        // Bases may overlap; one account found twice is still one account.
        for (const entry of searchEntries) found.set(entry.dn.toLowerCase(), toUser(entry));
      }
      if (found.size > 1) throw UserAmbiguous({ count: found.size });
      return found.values().next().value ?? null;
    });
  }

  private async searchGroups(client: Client, baseDn: string, filter: Filter, direct: Set<string>): Promise<GroupMembership[]> {
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

  /**
   * The first `size` users of a search in sAMAccountName order, sorted by the DC. Both limits are
   * sent: AD honours the size limit (and then ignores paging), Samba ignores the size limit but
   * sends pages; the rest of the result set is never fetched.
   */
  private async firstSorted(client: Client, base: string, filter: Filter, size: number): Promise<DirectoryUser[]> {
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
  private async smallestScanned(client: Client, base: string, filter: Filter, size: number): Promise<DirectoryUser[]> {
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
   * Sends a modify on `session`. When its answer is lost, the account is read again on a fresh
   * service connection to the same DC to find out whether the DC made it (see write-outcome.ts).
   */
  private async confirmedModify(
    session: Session,
    user: DirectoryUser,
    context: Omit<OperationContext, 'server'>,
    changes: Change[],
    intended: IntendedChange,
    controls?: Control[],
  ): Promise<WriteReceipt> {
    try {
      await session.client.modify(user.dn, changes, controls);
      return { confirmedAfterDrop: false };
    } catch (error) {
      if (!isLostAfterSending(error)) throw error;
      const lost = translateLdapError(error, { ...context, server: session.url });
      return settleLostWrite(intended, () => this.marksAt(session.url, user.dn), lost, { server: session.url, operation: context.operation, dn: user.dn });
    }
  }

  /**
   * A password write by confirmedModify. The account's marks are read first on the same
   * connection: before and after must come from the DC that takes the write.
   */
  private async confirmedPasswordModify(session: Session, user: DirectoryUser, context: Omit<OperationContext, 'server'>, changes: Change[], controls?: Control[]): Promise<WriteReceipt> {
    const before = await this.marks(session.client, user.dn);
    return this.confirmedModify(session, user, context, changes, { kind: 'password', before }, controls);
  }

  /** The account's marks, read on a connection of its own to the DC at `url`. */
  private async marksAt(url: string, dn: string): Promise<AccountMarks> {
    const single = new ActiveDirectory({ ...this.options, urls: [url] });
    try {
      return await single.asService({ operation: 'read the account again', dn }, (client) => single.marks(client, dn));
    } finally {
      await single.close();
    }
  }

  private async marks(client: Client, dn: string): Promise<AccountMarks> {
    const entry = await this.readOne(client, dn, MARK_ATTRIBUTES, MARK_BINARY_ATTRIBUTES);
    if (!entry) throw UserNotFound({});
    return accountMarks(entry);
  }

  private async readOne(client: Client, dn: string, attributes: string[], binary: string[] = []) {
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes, explicitBufferAttributes: binary });
    return searchEntries[0] ? readEntry(searchEntries[0]) : null;
  }

  /** Runs `work` on the service-account connection, opening it first when needed. */
  private async asService<T>(context: Omit<OperationContext, 'server'>, work: (client: Client, url: string) => Promise<T>): Promise<T> {
    const started = performance.now();
    const done = (ok: boolean) => this.options.onOperation?.(context.operation, (performance.now() - started) / 1000, ok);
    let session: Session;
    try {
      session = await this.serviceSession();
    } catch (error) {
      done(false);
      throw error;
    }
    try {
      const result = await work(session.client, session.url);
      done(true);
      return result;
    } catch (error) {
      done(false);
      // A lost connection is not reused; the next call opens a fresh one.
      if (isConnectionError(error) || !session.client.isConnected) this.dropService(session);
      throw translateLdapError(error, { ...context, server: session.url });
    }
  }

  private async serviceSession(): Promise<Session> {
    const current = this.service;
    if (current) {
      const session = await current.catch(() => null);
      // isBound turns false when the DC closed the socket; ldapts would reconnect unauthenticated.
      if (session?.client.isBound) return session;
      if (this.service === current) this.service = null;
      if (session) this.dropService(session);
    }
    this.service ??= this.open(this.options.bindDn, this.options.bindPassword).catch((error: unknown) => {
      this.service = null;
      const reason = bindFailureOf(error);
      if (reason) {
        throw ServiceAccountRejected({ account: this.options.bindDn, reason: bindFailureError(reason).code });
      }
      throw this.translate(error, { operation: 'connect as the service account' });
    });
    return this.service;
  }

  private dropService(session: Session): void {
    void this.service?.then((current) => {
      if (current === session) this.service = null;
    }, () => undefined);
    void session.client.unbind().catch(() => undefined);
  }

  /**
   * Opens an encrypted connection to the first DC that answers and binds. Bind failures are
   * thrown as they are (the caller decides what they mean); the next DC is tried only when a
   * DC cannot be reached.
   */
  private async open(bindDn: string, password: string): Promise<Session> {
    let lastError: unknown;
    for (const url of this.options.urls) {
      const parsed = new URL(url);
      const secure = parsed.protocol === 'ldaps:';
      const startTls = !secure && this.options.startTls !== false;
      if (!secure && !startTls) throw DirectoryNotEncrypted({ server: url });
      const trust = this.options.trust ?? {};
      const tlsConnectionOptions = tlsOptions(parsed.hostname.replace(/^\[|\]$/g, ''), trust);
      const client = new Client({
        url,
        timeout: this.options.timeoutMs ?? 10_000,
        connectTimeout: this.options.connectTimeoutMs ?? 5_000,
        // ldapts opens TLS at once when given tlsOptions, even for ldap:// (no StartTLS then).
        ...(secure ? { tlsOptions: tlsConnectionOptions } : {}),
        ...(trust.fingerprint ? { createSecureConnection: pinnedConnect(trust.fingerprint) } : {}),
      });
      try {
        if (startTls) await client.startTLS(tlsConnectionOptions);
        await client.bind(bindDn, password);
        return { client, url };
      } catch (error) {
        await client.unbind().catch(() => undefined);
        if (!isConnectionError(error) && !isTlsError(error)) throw error;
        lastError = translateLdapError(error, { operation: 'connect', server: url });
      }
    }
    throw lastError;
  }

  private translate(error: unknown, context: Omit<OperationContext, 'server'>) {
    return translateLdapError(error, { ...context, server: this.options.urls.join(', ') });
  }
}

/** The value of a DN's first RDN: "Latchkey Strict" for CN=Latchkey Strict,CN=... */
function rdnValue(dn: string): string {
  return /^[^=]+=((?:\\.|[^,\\])*)/.exec(dn)?.[1]?.replace(/\\(.)/g, '$1') ?? dn;
}

/** Replaces all values of `type` with `values` (none: removes them all). */
function replace(type: string, ...values: string[] | Buffer[]): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
}

/** Search options for user entries matching `filter` in a subtree. */
function userSearch(filter: Filter) {
  return { scope: 'sub', filter, attributes: USER_ATTRIBUTES, explicitBufferAttributes: BINARY_ATTRIBUTES } as const;
}

function toUser(entry: Entry): DirectoryUser {
  return directoryUser(readEntry(entry));
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
