/**
 * The service account's hygiene: a password that expires and was changed lately, that need not
 * change at next logon, no right in the domain beyond what Latchkey uses, and (not readable over
 * LDAP) no interactive logon.
 */
import type { RuntimeSettings } from '../../config/schema.ts';
import { downLevelName, type Grantee, powershellString } from '../../directory/delegation-commands.ts';
import type { DirectoryDiagnostics } from '../../directory/diagnostics.ts';
import type { DirectoryUser, DomainInfo } from '../../directory/directory.ts';
import { extraGrants, neededWrites, ownSids, passwordAgeVerdict } from '../../directory/extra-rights.ts';
import { protectedGroupName } from '../../directory/protected-groups.ts';
import { parseSecurityDescriptor } from '../../directory/security-descriptor.ts';
import { type CheckResult, failure, type Report, result } from './report.ts';

/** The names of the hygiene lines, in report order (skipped together when the account is unknown). */
export const HYGIENE_CHECKS = ['pwd-expiry', 'pwd-age', 'rights', 'logon'];

/** What the hygiene checks read about the service account. */
export interface HygieneSubject {
  account: DirectoryUser;
  groupSids: readonly string[];
  grantee: Grantee;
}

/** Every hygiene line for the service account. */
export async function hygieneChecks(
  diagnostics: DirectoryDiagnostics,
  subject: HygieneSubject,
  info: DomainInfo,
  settings: Pick<RuntimeSettings, 'directory' | 'selfService'>,
  now: number,
  report: Report,
): Promise<void> {
  report(neverExpiresResult(subject));
  report(passwordAgeResult(subject, now, settings.directory.serviceAccountMaxPasswordAgeDays));
  try {
    report(await rightsResult(diagnostics, subject, info, settings.selfService.editableAttributes));
  } catch (error) {
    report(failure('rights', error));
  }
  report(logonRightsNote(subject.grantee));
}

function neverExpiresResult({ account, grantee }: HygieneSubject): CheckResult {
  const name = downLevelName(grantee);
  if (!account.state.passwordNeverExpires) return result('PASS', 'pwd-expiry', `${name}'s password expires under the domain policy`);
  return result('WARN', 'pwd-expiry', `${name} has "password never expires" set: nothing makes its password change`, [
    'a service account password that never changes stays valid for whoever once read it',
    'fix: change it periodically (set a new one, then save it as the service account password in the directory section of the admin console), or clear the flag to let the policy enforce it:',
    `  Set-ADUser -Identity ${powershellString(account.samAccountName)} -PasswordNeverExpires $false`,
  ]);
}

function passwordAgeResult({ account, grantee }: HygieneSubject, now: number, maxDays: number): CheckResult {
  const verdict = passwordAgeVerdict(account.state, now, maxDays);
  const name = downLevelName(grantee);
  switch (verdict.status) {
    case 'must-change':
      return mustChangeResult(name, account.samAccountName);
    case 'unknown':
      return result('WARN', 'pwd-age', `the age of ${name}'s password is unknown (pwdLastSet is not readable)`);
    case 'fresh':
      return result('PASS', 'pwd-age', `${name}'s password was set ${verdict.days} days ago (at most ${maxDays})`);
    case 'old':
      return result('WARN', 'pwd-age', `${name}'s password was set ${verdict.days} days ago, more than ${maxDays}`, [
        `fix: set a new password for ${name} and save it as the service account password in the directory section of the admin console (or raise directory.serviceAccountMaxPasswordAgeDays)`,
      ]);
  }
}

/** "Must change password at next logon": the account then cannot bind, so the portal cannot work. */
export function mustChangeResult(name: string, identity: string): CheckResult {
  const sam = powershellString(identity);
  return result('FAIL', 'pwd-age', `${name} must change its password at next logon: AD refuses its bind (data 773)`, [
    'a service account must never have to change its password at logon',
    'fix: set a new password without the flag, then save it as the service account password in the directory section of the admin console (PowerShell):',
    `  Set-ADAccountPassword -Identity ${sam} -Reset`,
    `  Set-ADUser -Identity ${sam} -ChangePasswordAtLogon $false`,
  ]);
}

/** Grants listed one by one, at most. */
const LISTED_GRANTS = 40;

/**
 * Every explicit grant to the account or its groups, in the domain's containers, beyond what
 * Latchkey uses. Grants to a privileged group are counted, not listed: the fix is to leave the
 * group (the privileges line fails and says how), never to strip the group's own rights.
 */
async function rightsResult(diagnostics: DirectoryDiagnostics, subject: HygieneSubject, info: DomainInfo, editable: readonly string[]): Promise<CheckResult> {
  const sids = ownSids(subject.account.sid, subject.groupSids, info.domainSid);
  const writes = neededWrites([...(await diagnostics.schemaGuids(editable)).values()]);
  const containers = await diagnostics.containerDescriptors();
  const found = containers.flatMap(({ dn, descriptor }) =>
    descriptor ? extraGrants(parseSecurityDescriptor(descriptor).dacl, sids, writes).map((grant) => ({ dn, grant })) : [],
  );
  const unreadable = containers.filter((container) => !container.descriptor).length;
  const name = downLevelName(subject.grantee);
  const scanned = `${containers.length - unreadable} containers read${unreadable ? `, ${unreadable} not readable` : ''}`;
  if (!found.length) return result('PASS', 'rights', `${name} holds no right beyond the ones Latchkey uses (${scanned})`);
  const own = found.filter(({ grant }) => !protectedGroupName(grant.sid));
  const privileged = new Map<string, number>();
  for (const { grant } of found) {
    const group = protectedGroupName(grant.sid);
    if (group) privileged.set(group, (privileged.get(group) ?? 0) + 1);
  }
  const objects = await diagnostics.guidNames([...new Set(own.flatMap(({ grant }) => (grant.objectType ? [grant.objectType] : [])))]);
  const groups = await diagnostics.sidNames([...new Set(own.map(({ grant }) => grant.sid).filter((sid) => sid !== subject.account.sid))]);
  const trusteeOf = (sid: string) => {
    if (sid === subject.account.sid) return name;
    const group = groups.get(sid);
    return group ? `${info.netbiosDomain}\\${group}` : sid;
  };
  const lines = own.map(({ dn, grant }) => {
    const object = grant.objectType ? `${objects.get(grant.objectType) ?? grant.objectType}` : 'everything';
    return `${dn}: ${grant.rights.join('')} on ${object} for ${trusteeOf(grant.sid)}`;
  });
  const revokes = [...new Set(own.map(({ dn, grant }) => `  dsacls "${dn}" /R "${trusteeOf(grant.sid)}"`))];
  return result('WARN', 'rights', `${name} holds ${found.length} right(s) beyond Reset Password, lockoutTime, pwdLastSet and the profile attributes`, [
    ...[...privileged].map(([group, count]) => `${count} through ${group}, a privileged group: take the account out of it (see the privileges line)`),
    ...lines.slice(0, LISTED_GRANTS),
    ...(lines.length > LISTED_GRANTS ? [`… and ${lines.length - LISTED_GRANTS} more`] : []),
    `(${scanned}; grants to Everyone, Authenticated Users, Domain Users and the like are left out: every account has them)`,
    ...(revokes.length
      ? [
          'fix: remove each extra grant (ADUC: Properties → Security → Advanced), or with dsacls, which removes every ACE of that trustee there:',
          ...revokes.slice(0, LISTED_GRANTS),
          'on a search base, delegate the three rights again after (see the delegation lines); for a group, taking the account out of it also works',
        ]
      : []),
  ]);
}

/** The logon rights live in Group Policy, which LDAP does not show: a note with where to set them. */
function logonRightsNote(grantee: Grantee): CheckResult {
  return result('INFO', 'logon', `"Deny log on locally" and "Deny log on through Remote Desktop Services" cannot be read over LDAP`, [
    `set both for ${downLevelName(grantee)} in a GPO linked to every computer (the domain, or at least the domain controllers and servers):`,
    '  Computer Configuration → Policies → Windows Settings → Security Settings → Local Policies → User Rights Assignment',
  ]);
}
