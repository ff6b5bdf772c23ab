/**
 * What the service account is and what it may do, read from the directory and never tried on an
 * account: it must be in no privileged group, and on each search base it needs only Reset
 * Password, write lockoutTime and write pwdLastSet, and to read badPwdCount (the lockout guard).
 */
import type { RuntimeSettings } from '../../config/schema.ts';
import { assessDelegation, REQUIRED_RIGHTS, type RightFinding, tokenSids } from '../../directory/delegation.ts';
import { downLevelName, type Grantee, grantInstructions, powershellString } from '../../directory/delegation-commands.ts';
import type { DirectoryDiagnostics, WritableAttributes } from '../../directory/diagnostics.ts';
import type { Directory, DirectoryUser, DomainInfo } from '../../directory/directory.ts';
import { UserNotFound } from '../../directory/errors.ts';
import { protectedGroupName } from '../../directory/protected-groups.ts';
import { parseSecurityDescriptor } from '../../directory/security-descriptor.ts';
import type { HygieneSubject } from './hygiene.ts';
import { protectedAccountsCheck } from './protected-accounts.ts';
import { type CheckResult, failure, type Report, result, skip } from './report.ts';

/** What the service account is, and what it may do on each search base; the account and its groups when it could be read. */
export async function accountChecks(
  directory: Directory,
  diagnostics: DirectoryDiagnostics,
  info: DomainInfo,
  settings: RuntimeSettings['directory'],
  /** The settings that let privileged accounts be reset (none: the AdminSDHolder check only says so). */
  protectedAllowedBy: string[],
  report: Report,
): Promise<HygieneSubject | null> {
  // A DC lost half-way fails the check under way, not the whole report.
  let step = 'privileges';
  try {
    const account = await diagnostics.serviceAccount();
    if (!account) {
      report(
        result('FAIL', 'privileges', `the service account ${settings.bindDn} cannot read its own entry`, [
          'fix: let it read its own user object (in AD, Authenticated Users may read users by default)',
        ]),
      );
      skip(report, ['delegation', 'lockout', 'protected'], 'the service account is unknown');
      return null;
    }
    const grantee: Grantee = { netbiosDomain: info.netbiosDomain, samAccountName: account.samAccountName };
    const bases = settings.searchBases.length ? settings.searchBases : [info.baseDn];
    report(await privilegeCheck(directory, account, grantee, bases));
    step = 'delegation';
    const groupSids = await diagnostics.tokenGroups(account);
    const sids = tokenSids(account.sid, groupSids);
    for (const base of bases) for (const check of await baseChecks(diagnostics, base, sids, grantee)) report(check);
    step = 'protected';
    report(await protectedAccountsCheck(diagnostics, info.baseDn, sids, grantee, protectedAllowedBy));
    return { account, groupSids, grantee };
  } catch (error) {
    report(failure(step, error));
    return null;
  }
}

/** Why a service account in Domain Admins is a failure, said in the failure. */
const PRIVILEGED_ADVICE = [
  'A service account in Domain Admins gives the portal far more power than it needs: whoever takes the portal',
  'takes the domain. Remove the service account from the Domain Admins group and grant only the required',
  'permissions.',
];

/**
 * The service account must not be privileged. A protected group (nested or primary
 * included) is a loud failure; adminCount alone, left behind by an old membership, a warning.
 */
async function privilegeCheck(directory: Directory, account: DirectoryUser, grantee: Grantee, bases: string[]): Promise<CheckResult> {
  const protection = await directory.protection(account);
  const name = downLevelName(grantee);
  if (!protection.protected) return result('PASS', 'privileges', `${name} is in no privileged group`);
  const memberships = protection.reasons.filter((reason) => reason.startsWith('member of'));
  if (memberships.length === 0) {
    return result('WARN', 'privileges', `${name} has adminCount = 1 (once privileged), though it is in no privileged group now`, [
      'AD keeps adminCount and the protected ACL after the membership ends; clear both:',
      `  Set-ADUser -Identity ${powershellString(account.samAccountName)} -Clear adminCount`,
      `  dsacls "${account.dn}" /P:N`,
    ]);
  }
  // Removal works on direct memberships; the nested ones end with the group that nests them.
  const direct = (await directory.groupsOf(account)).filter((group) => group.direct && protectedGroupName(group.sid));
  const primary = direct.find((group) => group.sid.endsWith(`-${account.primaryGroupId}`));
  const sam = powershellString(account.samAccountName);
  return result('FAIL', 'privileges', `${name} is a PRIVILEGED account: ${protection.reasons.join(', ')}`, [
    ...PRIVILEGED_ADVICE,
    'fix: run Latchkey as a dedicated account that is in no privileged group; for this one, remove it (PowerShell):',
    // A primary group cannot be left: Domain Users (which AD made a member group when the primary group changed) takes its place first.
    ...(primary ? [`  Set-ADUser -Identity ${sam} -Replace @{primaryGroupID=513}  # Domain Users instead of ${primary.name}`] : []),
    ...direct.map((group) => `  Remove-ADGroupMember -Identity ${powershellString(group.dn)} -Members ${sam} -Confirm:$false`),
    ...(direct.length ? [] : ['  (every membership is through nested groups: remove it from the group that nests it)']),
    'then delegate only the three rights it needs, on each search base:',
    ...bases.flatMap((base) => grantInstructions(base, grantee, REQUIRED_RIGHTS).map((line) => `  ${line}`)),
  ]);
}

/** On one search base: the delegated rights and whether the lockout guard can work. */
async function baseChecks(diagnostics: DirectoryDiagnostics, base: string, sids: ReadonlySet<string>, grantee: Grantee): Promise<CheckResult[]> {
  let findings: RightFinding[];
  let sample: WritableAttributes | null;
  try {
    const descriptor = await diagnostics.securityDescriptor(base);
    sample = await diagnostics.writableAttributes(base);
    findings = assessDelegation(
      { dacl: descriptor ? parseSecurityDescriptor(descriptor).dacl : 'unreadable', sample: sample && { dn: sample.dn, writable: sample.attributes } },
      sids,
    );
  } catch (error) {
    if (UserNotFound.is(error)) return [result('FAIL', 'delegation', `${base} does not exist`, ['fix: correct the search bases in the directory settings'])];
    return [failure('delegation', error)];
  }
  return [delegationResult(base, findings, grantee), lockoutGuardResult(base, sample, grantee)];
}

/** For one search base: the three rights, as read from the directory. */
function delegationResult(base: string, findings: RightFinding[], grantee: Grantee): CheckResult {
  const evidence = findings.map((finding) => `${finding.right.name}: ${finding.state} (${finding.evidence})`);
  const missing = findings.filter((finding) => finding.state === 'missing').map((finding) => finding.right);
  const name = downLevelName(grantee);
  if (missing.length) {
    return result('FAIL', 'delegation', `${base}: ${name} lacks ${missing.map((right) => right.name).join(', ')}`, [
      ...evidence,
      'fix: grant what is missing:',
      ...grantInstructions(base, grantee, missing).map((line) => `  ${line}`),
    ]);
  }
  if (findings.some((finding) => finding.state === 'unknown')) {
    return result('WARN', 'delegation', `${base}: could not verify every right of ${name}`, [
      ...evidence,
      'fix: let the service account read the OU (Read permissions, granted to Authenticated Users by default)',
    ]);
  }
  return result('PASS', 'delegation', `${base}: ${name} holds ${findings.map((finding) => finding.right.name).join(', ')}`, evidence);
}

/** Whether the service account reads badPwdCount here: without it the pages cannot tell a try that would lock an account. */
function lockoutGuardResult(base: string, sample: WritableAttributes | null, grantee: Grantee): CheckResult {
  const name = downLevelName(grantee);
  if (!sample) return result('WARN', 'lockout', `${base}: no user to read badPwdCount on; the lockout guard is unverified`);
  if (sample.lockoutCountReadable) return result('PASS', 'lockout', `${base}: ${name} reads badPwdCount (no page tries a password that would lock an account)`);
  return result('WARN', 'lockout', `${base}: ${name} cannot read badPwdCount of ${sample.dn}`, [
    'without it the sign-in and change pages cannot see that one more wrong password would lock an account, and only the rate limits stand in the way',
    'fix: Authenticated Users read it by default (the Logon Information property set); look for a deny on the OU, or grant it:',
    `  dsacls "${base}" /I:S /G "${name}:RP;badPwdCount;user"`,
  ]);
}
