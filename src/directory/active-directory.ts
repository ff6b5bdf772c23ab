/**
 * The Directory over LDAP to Active Directory (or Samba AD), with ldapts: the port's operations.
 *
 * The connections (the reused service-account one, user binds on connections of their own,
 * failover across DCs, TLS) are active-directory-connection.ts's. A write whose answer is lost
 * with the connection is settled by reading the account again on the same DC
 * (active-directory-writes.ts). What the doctor reads besides the port is diagnostics().
 */
import { type Filter, ServerSideSortingRequestControl } from 'ldapts';
import { changePasswordAsUser, holdBind } from './active-directory-change.ts';
import { type ActiveDirectoryOptions, AdConnection, type OperationLabel, readOne, type Session } from './active-directory-connection.ts';
import { ActiveDirectoryDiagnostics } from './active-directory-diagnostics.ts';
import { scanPasswordExpiries } from './active-directory-expiry.ts';
import { listUserPage, searchUserPage } from './active-directory-search.ts';
import { findOneUser, findUserNamed, searchGroups } from './active-directory-users.ts';
import { confirmedModify, confirmedPasswordModify, replace } from './active-directory-writes.ts';
import { attributeRejectionOf, bindFailureOf } from './ad-errors.ts';
import { encodeUnicodePwd, guidToBytes, isGuid, sidToBytes, sidToString } from './ad-values.ts';
import type { DirectoryDiagnostics } from './diagnostics.ts';
import type {
  BindOutcome,
  Directory,
  DirectoryUser,
  DomainInfo,
  ExpiryScanOptions,
  GroupIdentity,
  GroupMembership,
  PasswordExpiry,
  Protection,
  ResetOptions,
  UserPage,
  UserSearchOptions,
  WriteReceipt,
} from './directory.ts';
import { type DelegatedRight, GroupAmbiguous, GroupNotFound, UserNotFound } from './errors.ts';
import { and, equals, groupsContaining, groupsNamed, userAccount } from './filters.ts';
import { readEntry } from './ldap-entry.ts';
import { DOMAIN_POLICY_ATTRIBUTES, domainPolicy, fineGrainedPolicy, type PasswordPolicy, PSO_ATTRIBUTES } from './password-policy.ts';
import { choosePolicyHintsOid, resetControls } from './policy-hints.ts';
import { checkAttributeName, checkEditableAttribute } from './profile-attributes.ts';
import { protectedGroupName } from './protected-groups.ts';
import { Recent } from './recent.ts';

export type { ActiveDirectoryOptions } from './active-directory-connection.ts';

export class ActiveDirectory implements Directory {
  private readonly connection: AdConnection;
  private domainInfo: Promise<DomainInfo> | null = null;
  private readonly domainPolicy = new Recent<PasswordPolicy>(60_000);

  constructor(options: ActiveDirectoryOptions) {
    this.connection = new AdConnection(options);
  }

  domain(): Promise<DomainInfo> {
    this.domainInfo ??= this.discoverDomain().catch((error: unknown) => {
      this.domainInfo = null;
      throw error;
    });
    return this.domainInfo;
  }

  /** What `latchkey doctor` reads besides the port, on this directory's connection. */
  diagnostics(): DirectoryDiagnostics {
    return new ActiveDirectoryDiagnostics(this.connection, () => this.domain());
  }

  async findUser(accountName: string, domain?: string): Promise<DirectoryUser | null> {
    return findUserNamed(
      accountName,
      domain,
      () => this.domain(),
      (match) => this.findOneUser(match),
    );
  }

  async getUser(guid: string, bases?: string[]): Promise<DirectoryUser | null> {
    if (!isGuid(guid)) return null;
    return this.findOneUser(equals('objectGUID', guidToBytes(guid)), bases);
  }

  async verifyPassword(user: DirectoryUser, password: string, options: { hold?: boolean } = {}): Promise<BindOutcome> {
    // A simple bind with an empty password is an anonymous bind, which "succeeds".
    if (password === '') return { ok: false, reason: 'invalid-credentials' };
    try {
      const session = await this.connection.open(user.dn, password);
      if (options.hold) return { ok: true, held: holdBind(this.connection, session, user, password) };
      await session.client.unbind().catch(() => undefined);
      return { ok: true };
    } catch (error) {
      const reason = bindFailureOf(error);
      if (reason) return { ok: false, reason };
      throw this.connection.translate(error, { operation: 'check the password', dn: user.dn });
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
    return this.asService(context, (session) => confirmedPasswordModify(this.connection, session, user, context, changes, resetControls(policyHintsOid)));
  }

  async unlock(user: DirectoryUser): Promise<WriteReceipt> {
    const context = { operation: 'unlock the account', dn: user.dn, rights: ['Write lockoutTime' as const] };
    return this.asService(context, (session) => confirmedModify(this.connection, session, user, context, [replace('lockoutTime', '0')], { kind: 'unlocked' }));
  }

  async setMustChange(user: DirectoryUser, mustChange: boolean): Promise<WriteReceipt> {
    // pwdLastSet accepts only 0 (must change) and -1 (now, which clears the flag).
    const context = {
      operation: mustChange ? 'require a password change' : 'clear "must change password"',
      dn: user.dn,
      rights: ['Write pwdLastSet' as const],
    };
    return this.asService(context, (session) =>
      confirmedModify(this.connection, session, user, context, [replace('pwdLastSet', mustChange ? '0' : '-1')], { kind: 'must-change', on: mustChange }),
    );
  }

  changePassword(user: DirectoryUser, oldPassword: string, newPassword: string): Promise<WriteReceipt> {
    return changePasswordAsUser(this.connection, user, oldPassword, newPassword);
  }

  async passwordPolicy(user?: DirectoryUser): Promise<PasswordPolicy> {
    const { baseDn } = await this.domain();
    const context = { operation: 'read the password policy', dn: baseDn };
    // The domain's policy rarely changes: a change shows here within a minute (the DC enforces it at once).
    const policy = await this.domainPolicy.get(baseDn, () =>
      this.connection.asService(context, async (client) => {
        const head = await readOne(client, baseDn, [...DOMAIN_POLICY_ATTRIBUTES]);
        return domainPolicy(Object.fromEntries(DOMAIN_POLICY_ATTRIBUTES.map((name) => [name, head?.text(name)])));
      }),
    );
    if (!user) return policy;
    return this.connection.asService(context, async (client) => {
      const psoDn = (await readOne(client, user.dn, ['msDS-ResultantPSO']))?.text('msDS-ResultantPSO');
      if (!psoDn) return policy;
      // By default only admins may read a PSO's settings; the entry then comes back empty.
      const pso = await readOne(client, psoDn, [...PSO_ATTRIBUTES]).catch(() => null);
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
    return this.connection.asService({ operation: 'read group memberships', dn: user.dn }, async (client) => {
      const direct = new Set(user.memberOf.map((dn) => dn.toLowerCase()));
      const found = new Map<string, GroupMembership>();
      const add = (entries: GroupMembership[]) => {
        for (const group of entries) if (!found.has(group.dn.toLowerCase())) found.set(group.dn.toLowerCase(), group);
      };
      const groups = (filter: Filter) => searchGroups(client, baseDn, filter, direct);
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
    const found = await this.connection.asService({ operation: 'look up the group', dn: baseDn }, (client) =>
      searchGroups(client, baseDn, groupsNamed(reference), new Set()),
    );
    if (found.length > 1) throw GroupAmbiguous({ group: reference, dns: found.map((group) => group.dn) });
    const [group] = found;
    if (!group?.sid) throw GroupNotFound({ group: reference });
    return { sid: group.sid, dn: group.dn };
  }

  async countUsers(bases: string[]): Promise<number> {
    const within = await this.basesOr(bases);
    return this.connection.asService({ operation: 'count users', dn: within.join('; ') }, async (client) => {
      const seen = new Set<string>();
      for (const base of within) {
        // Paged, with no attributes: only the DNs travel, however many users there are.
        for await (const page of client.searchPaginated(base, {
          scope: 'sub',
          filter: userAccount(equals('objectClass', 'user')),
          attributes: ['1.1'],
          paged: { pageSize: 1000 },
        })) {
          for (const entry of page.searchEntries) seen.add(entry.dn.toLowerCase());
        }
      }
      return seen.size;
    });
  }

  async searchUsers(query: string, options: UserSearchOptions): Promise<UserPage> {
    return searchUserPage(this.connection, query, options, async () => (await this.domain()).serverSideSort);
  }

  async listUsers(options: UserSearchOptions): Promise<UserPage> {
    return listUserPage(this.connection, options, async () => (await this.domain()).serverSideSort);
  }

  async readAttributes(user: DirectoryUser, attributes: string[]): Promise<Record<string, string[]>> {
    attributes.forEach(checkAttributeName);
    // An empty attribute list would ask the DC for every attribute.
    if (attributes.length === 0) return {};
    return this.connection.asService({ operation: 'read the attributes', dn: user.dn }, async (client) => {
      const entry = await readOne(client, user.dn, attributes);
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
    await this.connection.asService(context, (client) =>
      client.modify(user.dn, modifications).catch((error: unknown) => {
        throw attributeRejectionOf(error, names) ?? error;
      }),
    );
  }

  async *passwordExpiries(options: ExpiryScanOptions = {}): AsyncGenerator<PasswordExpiry> {
    const { bases, ...scan } = options;
    yield* scanPasswordExpiries(this.connection, await this.basesOr(bases), scan);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private async discoverDomain(): Promise<DomainInfo> {
    return this.connection.asService({ operation: 'read the domain information', dn: '(rootDSE)' }, async (client) => {
      const root = await readOne(client, '', ['defaultNamingContext', 'configurationNamingContext', 'supportedControl']);
      const baseDn = root?.text('defaultNamingContext');
      const configDn = root?.text('configurationNamingContext');
      if (!root || !baseDn || !configDn) throw new Error('the rootDSE names no default or configuration naming context');
      const { searchEntries: partitions } = await client.search(`CN=Partitions,${configDn}`, {
        scope: 'one',
        filter: and(equals('objectClass', 'crossRef'), equals('nCName', baseDn)),
        attributes: ['nETBIOSName', 'dnsRoot'],
      });
      const partition = partitions[0] && readEntry(partitions[0]);
      const head = await readOne(client, baseDn, ['objectSid'], ['objectSid']);
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

  /** The user matching `match` in `within`, or else in the configured search bases (the whole domain when none). */
  private async findOneUser(match: Filter, within?: string[]): Promise<DirectoryUser | null> {
    return findOneUser(this.connection, match, await this.basesOr(within));
  }

  /** `within` when it names any base; otherwise the configured search bases, or the whole domain. */
  private async basesOr(within: string[] | undefined): Promise<string[]> {
    const { searchBases } = this.connection.options;
    return within?.length ? within : searchBases?.length ? searchBases : [(await this.domain()).baseDn];
  }

  /** Runs `work` on the service-account session (for writes that must know their DC). */
  private asService<T>(context: OperationLabel, work: (session: Session) => Promise<T>): Promise<T> {
    return this.connection.asService(context, (client, url) => work({ client, url }));
  }
}

/** The value of a DN's first RDN: "Latchkey Strict" for CN=Latchkey Strict,CN=... */
function rdnValue(dn: string): string {
  return /^[^=]+=((?:\\.|[^,\\])*)/.exec(dn)?.[1]?.replace(/\\(.)/g, '$1') ?? dn;
}
