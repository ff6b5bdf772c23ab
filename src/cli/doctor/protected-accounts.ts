/**
 * Privileged accounts, when the portal serves them: AD gives them AdminSDHolder's DACL (SDProp),
 * not their OU's, so the service account's three rights must be granted on AdminSDHolder too.
 */
import { assessHolder, type RightFinding } from '../../directory/delegation.ts';
import { adminSdHolderDn, downLevelName, type Grantee, holderGrantInstructions, SDPROP_NOW } from '../../directory/delegation-commands.ts';
import type { DirectoryDiagnostics } from '../../directory/diagnostics.ts';
import { parseSecurityDescriptor } from '../../directory/security-descriptor.ts';
import { type CheckResult, failure, result } from './report.ts';

/**
 * The rights on AdminSDHolder when a setting (`allowedBy`: self-service's allowProtectedAccounts,
 * a helpdesk group's allowProtected) lets privileged accounts be reset; a note that it is not checked otherwise.
 */
export async function protectedAccountsCheck(
  diagnostics: DirectoryDiagnostics,
  baseDn: string,
  sids: ReadonlySet<string>,
  grantee: Grantee,
  allowedBy: readonly string[],
): Promise<CheckResult> {
  if (allowedBy.length === 0) {
    return result('PASS', 'protected', 'privileged (AdminSDHolder-protected) accounts may not use the portal: not checked', [
      "protection.allowProtectedAccounts and every helpdesk group's allowProtected are off; turning one on needs the rights on AdminSDHolder, which this check then verifies",
    ]);
  }
  const holder = adminSdHolderDn(baseDn);
  let findings: RightFinding[];
  try {
    const descriptor = await diagnostics.securityDescriptor(holder);
    findings = assessHolder(descriptor ? parseSecurityDescriptor(descriptor).dacl : 'unreadable', sids);
  } catch (error) {
    return failure('protected', error);
  }
  const evidence = [`allowed by ${allowedBy.join(', ')}`, ...findings.map((finding) => `${finding.right.name}: ${finding.state} (${finding.evidence})`)];
  const name = downLevelName(grantee);
  const missing = findings.filter((finding) => finding.state === 'missing').map((finding) => finding.right);
  if (missing.length) {
    return result(
      'FAIL',
      'protected',
      `${holder}: ${name} lacks ${missing.map((right) => right.name).join(', ')}: privileged accounts are allowed but cannot be reset`,
      [
        ...evidence,
        'fix: grant what is missing on AdminSDHolder:',
        ...holderGrantInstructions(holder, grantee, missing).map((line) => `  ${line}`),
        ...SDPROP_NOW,
      ],
    );
  }
  if (findings.some((finding) => finding.state === 'unknown')) {
    return result('WARN', 'protected', `${holder}: could not verify the rights of ${name} for privileged accounts`, [
      ...evidence,
      'fix: let the service account read AdminSDHolder (Read permissions, granted to Authenticated Users by default)',
    ]);
  }
  return result(
    'PASS',
    'protected',
    `${holder}: ${name} holds ${findings.map((finding) => finding.right.name).join(', ')} (privileged accounts can be reset)`,
    [...evidence, ...SDPROP_NOW],
  );
}
