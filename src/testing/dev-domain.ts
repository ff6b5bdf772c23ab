/**
 * The dev domain (scripts/dev-ad) for integration tests: its connection facts, a directory
 * configured against it, and throwaway users created and removed per test with the domain
 * administrator's rights (fixtures only; Latchkey itself never holds those rights).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Attribute, Change, Client } from 'ldapts';
import { ActiveDirectory, type ActiveDirectoryOptions } from '../directory/active-directory.ts';
import { encodeUnicodePwd } from '../directory/ad-values.ts';
import { REQUIRED_RIGHTS } from '../directory/delegation.ts';
import { adminSdHolderDn } from '../directory/delegation-commands.ts';
import { SdFlagsControl } from '../directory/sd-flags-control.ts';
import {
  ACCESS_ALLOWED_OBJECT_ACE_TYPE,
  encodeSecurityDescriptor,
  INHERITED_ACE,
  parseSecurityDescriptor,
  SE_DACL_PROTECTED,
} from '../directory/security-descriptor.ts';
import { longestRepeat, longestSequence } from '../passwords/rules.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

export interface DevDomainFacts {
  realm: string;
  dnsDomain: string;
  netbiosDomain: string;
  baseDn: string;
  domainSid: string;
  url: string;
  startTlsUrl: string;
  caFile: string;
  admin: { dn: string; password: string };
  serviceAccount: { dn: string; upn: string; sam: string; password: string; sid: string };
  userPassword: string;
  ous: { staff: string; contractors: string; vendors: string; serviceAccounts: string; groups: string };
  delegatedOus: string[];
  users: { staff: string[]; contractors: string[]; vendors: string[] };
  protectedUser: { sam: string; dn: string };
  helpdesk: { group: string; member: string; memberDn: string };
  admins: { group: string; member: string; memberDn: string };
  strictPasswordGroup: string;
}

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The facts scripts/dev-ad wrote; fails with the command to run when the domain is not up. */
export function devDomain(): DevDomainFacts {
  const dir = process.env.LATCHKEY_DEV_AD_DIR ?? join(projectRoot, '.dev-ad');
  const file = join(dir, 'connection.json');
  if (!existsSync(file)) throw new Error(`no dev domain facts at ${file}: run scripts/dev-ad up first`);
  return JSON.parse(readFileSync(file, 'utf8')) as DevDomainFacts;
}

/** Latchkey's directory against the dev domain, as the delegated service account. */
export function devDirectory(overrides: Partial<ActiveDirectoryOptions> = {}): ActiveDirectory {
  const facts = devDomain();
  return new ActiveDirectory({
    urls: [facts.url],
    trust: { caFile: facts.caFile },
    bindDn: facts.serviceAccount.dn,
    bindPassword: facts.serviceAccount.password,
    searchBases: facts.delegatedOus,
    ...overrides,
  });
}

/**
 * A proxy in front of the dev DC's LDAPS port that shows the DC's own certificate (so it is
 * trusted as the DC is) and can cut a write at a chosen point (see tcp-proxy.ts).
 */
export function startDcFaultProxy(): Promise<TcpProxy> {
  const facts = devDomain();
  const tlsDir = dirname(facts.caFile);
  const tls = { key: readFileSync(join(tlsDir, 'dc.key')), cert: readFileSync(join(tlsDir, 'dc.pem')), ca: readFileSync(facts.caFile) };
  return startTcpProxy(Number(new URL(facts.url).port || 636), '127.0.0.1', { tls });
}

/** A client bound as the domain administrator, for fixtures and for checking what changed. */
export async function adminClient(): Promise<Client> {
  const facts = devDomain();
  const client = new Client({ url: facts.url, tlsOptions: { ca: readFileSync(facts.caFile) }, timeout: 10_000 });
  await client.bind(facts.admin.dn, facts.admin.password);
  return client;
}

export interface TestUser {
  dn: string;
  sam: string;
  upn: string;
  password: string;
  displayName: string;
}

export type OuKey = keyof DevDomainFacts['ous'];

/**
 * A password that satisfies the domain policy, the strict PSO and Latchkey's default rules (no
 * run of three of a character or in order), different every call.
 */
export function freshPassword(): string {
  for (;;) {
    const password = `Lk-${randomBytes(6).toString('hex')}-Qz9`;
    if (longestRepeat(password) < 3 && longestSequence(password, true) < 3) return password;
  }
}

/**
/**
 * A throwaway user (enabled, with mail and mobile) in an OU of the dev domain (a seeded one, or
 * any OU by DN). Remove it with removeEntries() when done.
 */
export async function createUser(admin: Client, ou: OuKey | `OU=${string}` | { dn: string } = 'staff', extra: Record<string, string> = {}): Promise<TestUser> {
  const facts = devDomain();
  const sam = `t-${randomBytes(5).toString('hex')}`;
  const displayName = `Test ${sam}`;
  const dn = `CN=${displayName},${typeof ou === 'object' ? ou.dn : ou.startsWith('OU=') ? ou : facts.ous[ou as OuKey]}`;
  const password = freshPassword();
  const upn = `${sam}@${facts.dnsDomain}`;
  await admin.add(dn, [
    new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
    new Attribute({ type: 'sAMAccountName', values: [sam] }),
    new Attribute({ type: 'userPrincipalName', values: [upn] }),
    new Attribute({ type: 'givenName', values: ['Test'] }),
    new Attribute({ type: 'sn', values: [sam] }),
    new Attribute({ type: 'displayName', values: [displayName] }),
    new Attribute({ type: 'mail', values: [`${sam}@${facts.dnsDomain}`] }),
    new Attribute({ type: 'mobile', values: ['+15550100999'] }),
    new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(password)] }),
    ...Object.entries({ userAccountControl: '512', ...extra }).map(([type, value]) => new Attribute({ type, values: [value] })),
  ]);
  return { dn, sam, upn, password, displayName };
}

/** A throwaway group, optionally with members; in OU=Groups with a random name unless told otherwise. */
export async function createGroup(admin: Client, members: string[] = [], where: { name?: string; container?: string } = {}): Promise<string> {
  const facts = devDomain();
  const dn = `CN=${where.name ?? `tg-${randomBytes(5).toString('hex')}`},${where.container ?? facts.ous.groups}`;
  await admin.add(dn, [
    new Attribute({ type: 'objectClass', values: ['top', 'group'] }),
    ...(members.length ? [new Attribute({ type: 'member', values: members })] : []),
  ]);
  return dn;
}

/** A throwaway OU at the top of the domain (nothing is delegated on it). Remove it after what it holds. */
export async function createOu(admin: Client): Promise<string> {
  const dn = `OU=tou-${randomBytes(5).toString('hex')},${devDomain().baseDn}`;
  await admin.add(dn, [new Attribute({ type: 'objectClass', values: ['top', 'organizationalUnit'] })]);
  return dn;
}

/**
 * A throwaway OU inside `parent` (an OU of the dev domain, e.g. a delegated one), for users a
 * test wants to go through apart from everyone else's. Remove it with removeOu().
 */
export async function createChildOu(admin: Client, parent: string): Promise<`OU=${string}`> {
  const dn = `OU=tou-${randomBytes(5).toString('hex')},${parent}` as const;
  await admin.add(dn, [new Attribute({ type: 'objectClass', values: ['top', 'organizationalUnit'] })]);
  return dn;
}

/** Deletes an OU of createChildOu with whatever is still in it (one level: users, groups). */
export async function removeOu(admin: Client, ou: string): Promise<void> {
  const { searchEntries } = await admin.search(ou, { scope: 'one', attributes: ['1.1'] });
  await removeEntries(admin, [...searchEntries.map((entry) => entry.dn), ou]);
}

/** Adds `memberDn` to the group `groupDn`. */
export async function addMember(admin: Client, groupDn: string, memberDn: string): Promise<void> {
  await admin.modify(groupDn, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) }));
}

/** Deletes entries, ignoring those already gone. */
export async function removeEntries(admin: Client, dns: string[]): Promise<void> {
  for (const dn of dns) await admin.del(dn).catch(() => undefined);
}

/**
 * Binds as `dn` with `password` outside Latchkey: 'ok', or AD's bind sub-code ('52e' wrong
 * password, '773' must change, '775' locked ...).
 */
export async function bindAs(dn: string, password: string): Promise<string> {
  const facts = devDomain();
  const client = new Client({ url: facts.url, tlsOptions: { ca: readFileSync(facts.caFile) }, timeout: 10_000 });
  try {
    await client.bind(dn, password);
    return 'ok';
  } catch (error) {
    return /data ([0-9a-f]+)/i.exec((error as Error).message)?.[1] ?? (error as Error).message;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** One attribute of an entry as the administrator sees it. */
export async function readAttribute(admin: Client, dn: string, attribute: string): Promise<string | undefined> {
  const { searchEntries } = await admin.search(dn, { scope: 'base', attributes: [attribute] });
  const value = searchEntries[0]?.[attribute];
  // Samba returns a requested attribute without values as an empty list.
  if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
  return value === undefined ? undefined : String(value);
}

/** The DACL part of `dn`'s nTSecurityDescriptor (self-relative bytes), as the administrator reads it. */
export async function readDacl(admin: Client, dn: string): Promise<Buffer> {
  const { searchEntries } = await admin.search(
    dn,
    { scope: 'base', attributes: ['nTSecurityDescriptor'], explicitBufferAttributes: ['nTSecurityDescriptor'] },
    new SdFlagsControl(),
  );
  const value = searchEntries[0]?.nTSecurityDescriptor;
  const bytes = Array.isArray(value) ? value[0] : value;
  if (!Buffer.isBuffer(bytes)) throw new Error(`no security descriptor on ${dn}`);
  return bytes;
}

/** Replaces the DACL of `dn` (and only the DACL) with the one in `descriptor`. */
async function writeDacl(admin: Client, dn: string, descriptor: Buffer): Promise<void> {
  const modification = new Attribute({ type: 'nTSecurityDescriptor', values: [descriptor] });
  await admin.modify(dn, new Change({ operation: 'replace', modification }), new SdFlagsControl());
}

/**
 * Grants `sid` the three rights on AdminSDHolder itself, as the doctor's dsacls lines do
 * (object ACEs, not inherited). AdminSDHolder is shared by every test of the domain: call the
 * returned function to put its original DACL back.
 */
export async function grantOnAdminSdHolder(admin: Client, sid: string): Promise<() => Promise<void>> {
  const holder = adminSdHolderDn(devDomain().baseDn);
  const original = await readDacl(admin, holder);
  const { control, dacl } = parseSecurityDescriptor(original);
  if (!dacl || dacl.some((ace) => ace.kind === 'other')) throw new Error(`AdminSDHolder's DACL is not one this helper can extend: ${original.toString('hex')}`);
  const grants = REQUIRED_RIGHTS.map((right) => ({
    type: ACCESS_ALLOWED_OBJECT_ACE_TYPE,
    flags: 0,
    mask: right.mask,
    sid,
    objectType: right.guid,
    inheritedObjectType: null,
  }));
  // Explicit ACEs come before inherited ones in a canonical DACL.
  const explicit = dacl.filter((ace) => !(ace.flags & INHERITED_ACE));
  const inherited = dacl.filter((ace) => ace.flags & INHERITED_ACE);
  await writeDacl(admin, holder, encodeSecurityDescriptor({ control, dacl: [...explicit, ...grants, ...inherited] }));
  return () => writeDacl(admin, holder, original);
}

/**
 * Does to `userDn` what AD's SDProp does hourly to protected accounts and Samba never does:
 * adminCount = 1, and AdminSDHolder's DACL in place of its own, protected from inheritance so
 * that the OU's delegated ACEs no longer reach it.
 */
export async function emulateSdProp(admin: Client, userDn: string): Promise<void> {
  const descriptor = Buffer.from(await readDacl(admin, adminSdHolderDn(devDomain().baseDn)));
  descriptor.writeUInt16LE(descriptor.readUInt16LE(2) | SE_DACL_PROTECTED, 2);
  await writeDacl(admin, userDn, descriptor);
  await admin.modify(userDn, new Change({ operation: 'replace', modification: new Attribute({ type: 'adminCount', values: ['1'] }) }));
}
