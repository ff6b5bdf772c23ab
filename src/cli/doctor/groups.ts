/** The groups the settings name (admins, helpdesk, password policy, factors), looked up in the directory as the portal does. */
import type { RuntimeSettings } from '../../config/schema.ts';
import type { Directory } from '../../directory/directory.ts';
import { GroupAmbiguous, GroupNotFound } from '../../directory/errors.ts';
import { type CheckResult, type CheckStatus, failure, result } from './report.ts';

/**
 * The groups the settings name, looked up as the portal does: the admin group (a name that finds
 * no group, or several, stops the portal's start unless an earlier start pinned it), each
 * helpdesk group (one that is not pinned grants nothing), each password-policy group (one not
 * pinned applies its stricter rules to nobody) and each group of the factor policy (one not
 * pinned puts its stricter rule on everyone). A pinned group whose name now finds another group
 * is told too: the pin still holds, but the setting says something else.
 */
export async function groupsCheck(
  directory: Directory,
  admin: { group: string; sid: string | undefined },
  settings: Pick<RuntimeSettings, 'helpdesk' | 'passwordPolicy' | 'factors'>,
): Promise<CheckResult> {
  const lines: string[] = [];
  let status: CheckStatus = 'PASS';
  const worse = (next: CheckStatus) => (status = status === 'FAIL' || next === 'PASS' ? status : next);
  const look = async (role: string, reference: string, pinnedSid: string | undefined, unresolved: CheckStatus) => {
    try {
      const found = await directory.resolveGroup(reference);
      if (pinnedSid && pinnedSid !== found.sid) {
        worse('WARN');
        lines.push(
          `${role} ${JSON.stringify(reference)} is pinned to ${pinnedSid}, but the name now finds ${found.dn} (${found.sid}): save it again naming the one meant`,
        );
      } else lines.push(`${role} ${JSON.stringify(reference)}: ${found.dn}`);
    } catch (error) {
      if (!GroupNotFound.is(error) && !GroupAmbiguous.is(error)) throw error;
      worse(pinnedSid ? 'WARN' : unresolved);
      lines.push(`${role} ${JSON.stringify(reference)}: ${error.message}${pinnedSid ? ` (still pinned to ${pinnedSid})` : ''}`);
    }
  };
  const named = [
    ...settings.helpdesk.groups.map((entry) => ({ role: 'helpdesk group', ...entry })),
    ...settings.passwordPolicy.groups.map((entry) => ({ role: 'password-policy group', ...entry })),
    ...(settings.factors?.groups ?? []).map((entry) => ({ role: 'factor-policy group', ...entry })),
  ];
  try {
    await look('admin group', admin.group, admin.sid, 'FAIL');
    for (const entry of named) await look(entry.role, entry.group, entry.sid, 'WARN');
  } catch (error) {
    return failure('groups', error);
  }
  const summary = status === 'PASS' ? `each names exactly one group (${1 + named.length})` : 'a group setting does not name exactly one group';
  return result(status, 'groups', summary, lines);
}
