/**
 * DirectoryDiagnostics over LDAP: what `latchkey doctor` reads about the DCs and the service
 * account. Nothing here changes the directory: no password is tried, no right is tested by use.
 */
import { type Client, type Filter, NotFilter, type SearchOptions } from 'ldapts';
import { type AdConnection, readOne } from './active-directory-connection.ts';
import { type FindOneUser, findOneUser, findUserNamed } from './active-directory-users.ts';
import { translateLdapError } from './ad-errors.ts';
import { guidToBytes, guidToString, sidToBytes, sidToString } from './ad-values.ts';
import type { ContainerDescriptor, DirectoryDiagnostics, WritableAttributes } from './diagnostics.ts';
import type { DirectoryUser, DomainInfo } from './directory.ts';
import { DN_LIKE, equals, or, userAccount } from './filters.ts';
import { type EntryReader, readEntry } from './ldap-entry.ts';
import { DACL_SECURITY_INFORMATION, SdFlagsControl } from './sd-flags-control.ts';

/** The diagnostics of one directory, on its service-account connection. */
export class ActiveDirectoryDiagnostics implements DirectoryDiagnostics {
  constructor(
    private readonly connection: AdConnection,
    /** The directory's domain facts (cached by the directory). */
    private readonly domain: () => Promise<DomainInfo>,
  ) {}

  async checkServer(url: string): Promise<void> {
    try {
      // Only this DC: opening would otherwise move on to the next one. An empty name and
      // password is an anonymous bind: the DC answers it without any credential.
      const session = await this.connection.only(url).open('', '');
      await session.client.unbind().catch(() => undefined);
    } catch (error) {
      throw translateLdapError(error, { operation: 'connect', server: url });
    }
  }

  async serviceAccount(): Promise<DirectoryUser | null> {
    const { baseDn } = await this.domain();
    const { bindDn } = this.connection.options;
    // The account usually lives outside the search bases (OU=Service Accounts), so the whole domain is searched.
    const inDomain: FindOneUser = (match) => findOneUser(this.connection, match, [baseDn]);
    if (DN_LIKE.test(bindDn)) return inDomain(equals('distinguishedName', bindDn));
    return findUserNamed(bindDn, undefined, this.domain, inDomain);
  }

  async tokenGroups(user: DirectoryUser): Promise<string[]> {
    return this.connection.asService({ operation: 'read the token groups', dn: user.dn }, async (client) => {
      // A constructed attribute: the DC computes it only when the entry itself is read (base scope).
      const entry = await readOne(client, user.dn, ['tokenGroups'], ['tokenGroups']);
      return (entry?.allBytes('tokenGroups') ?? []).map(sidToString);
    });
  }

  async securityDescriptor(dn: string): Promise<Buffer | null> {
    return this.connection.asService({ operation: 'read the security descriptor', dn }, async (client) => {
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
    return this.connection.asService({ operation: 'read the effective rights', dn: base }, async (client) => {
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
      const entry = await readOne(client, dn, ['allowedAttributesEffective', 'badPwdCount']);
      // Every user has a badPwdCount (0 until a wrong password); absent means it may not be read.
      return { dn, attributes: entry?.texts('allowedAttributesEffective') ?? [], lockoutCountReadable: entry?.text('badPwdCount') !== undefined };
    });
  }

  async containerDescriptors(): Promise<ContainerDescriptor[]> {
    const { baseDn } = await this.domain();
    return this.connection.asService({ operation: 'read the security descriptors', dn: baseDn }, async (client) => {
      const filter = or(equals('objectClass', 'domain'), equals('objectClass', 'organizationalUnit'), equals('objectClass', 'container'));
      const options: SearchOptions = {
        scope: 'sub',
        filter,
        attributes: ['nTSecurityDescriptor'],
        explicitBufferAttributes: ['nTSecurityDescriptor'],
        paged: { pageSize: 200 },
      };
      const found: ContainerDescriptor[] = [];
      for await (const page of client.searchPaginated(baseDn, options, new SdFlagsControl(DACL_SECURITY_INFORMATION))) {
        for (const entry of page.searchEntries) {
          const bytes = readEntry(entry).bytes('nTSecurityDescriptor');
          found.push({ dn: entry.dn, descriptor: bytes?.length ? bytes : null });
        }
      }
      return found;
    });
  }

  async schemaGuids(names: readonly string[]): Promise<Map<string, string>> {
    const guids = new Map<string, string>();
    if (!names.length) return guids;
    return this.connection.asService({ operation: 'read the schema' }, async (client) => {
      const schema = (await readOne(client, '', ['schemaNamingContext']))?.text('schemaNamingContext');
      if (!schema) return guids;
      const filter = or(...names.map((name) => equals('lDAPDisplayName', name)));
      for (const found of await searchAll(client, schema, filter, ['lDAPDisplayName', 'schemaIDGUID'])) {
        const name = found.text('lDAPDisplayName');
        const guid = found.bytes('schemaIDGUID');
        if (name && guid?.length === 16) guids.set(name.toLowerCase(), guidToString(guid));
      }
      return guids;
    });
  }

  async guidNames(guids: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (!guids.length) return names;
    return this.connection.asService({ operation: 'read the schema' }, async (client) => {
      const root = await readOne(client, '', ['schemaNamingContext', 'configurationNamingContext']);
      const schema = root?.text('schemaNamingContext');
      const configuration = root?.text('configurationNamingContext');
      if (schema) {
        const filter = or(...guids.map((guid) => equals('schemaIDGUID', guidToBytes(guid))));
        for (const found of await searchAll(client, schema, filter, ['lDAPDisplayName', 'schemaIDGUID'])) {
          const guid = found.bytes('schemaIDGUID');
          const name = found.text('lDAPDisplayName');
          if (guid?.length === 16 && name) names.set(guidToString(guid), name);
        }
      }
      if (configuration) {
        // Extended rights and property sets keep their GUID as text (rightsGuid), without braces.
        const filter = or(...guids.map((guid) => equals('rightsGuid', guid)));
        for (const found of await searchAll(client, `CN=Extended-Rights,${configuration}`, filter, ['displayName', 'rightsGuid'])) {
          const guid = found.text('rightsGuid')?.toLowerCase();
          const name = found.text('displayName');
          if (guid && name) names.set(guid, name);
        }
      }
      return names;
    });
  }

  async sidNames(sids: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (!sids.length) return names;
    const { baseDn } = await this.domain();
    return this.connection.asService({ operation: 'look up the groups', dn: baseDn }, async (client) => {
      const filter = or(...sids.map((sid) => equals('objectSid', sidToBytes(sid))));
      for (const found of await searchAll(client, baseDn, filter, ['sAMAccountName', 'objectSid'], 'sub')) {
        const sid = found.bytes('objectSid');
        const name = found.text('sAMAccountName');
        if (sid && name) names.set(sidToString(sid), name);
      }
      return names;
    });
  }
}

/** Every entry under `base` matching `filter` (one level unless told), read case-insensitively. */
async function searchAll(client: Client, base: string, filter: Filter, attributes: string[], scope: 'one' | 'sub' = 'one'): Promise<EntryReader[]> {
  const binary = attributes.filter((name) => name === 'schemaIDGUID' || name === 'objectSid');
  const { searchEntries } = await client.search(base, { scope, filter, attributes, explicitBufferAttributes: binary, paged: { pageSize: 500 } });
  return searchEntries.map(readEntry);
}
