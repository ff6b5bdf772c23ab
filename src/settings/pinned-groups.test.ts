import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HelpdeskGroup } from '../config/schema.ts';
import { DirectoryUnreachable, GroupAmbiguous, GroupNotFound } from '../directory/errors.ts';
import { pinGroups } from './pinned-groups.ts';

const desk = { sid: 'S-1-5-21-1-2-3-1101', dn: 'CN=Desk,OU=Groups,DC=x' };
const entry = (group: string, extra: Partial<HelpdeskGroup> = {}): HelpdeskGroup => ({
  group,
  scopes: ['OU=Staff,DC=x'],
  allowProtected: false,
  membersMayBeHelped: false,
  ...extra,
});
/** The directory's answers, by reference. */
const directory = (answers: Record<string, typeof desk | Error>) => async (reference: string) => {
  const answer = answers[reference] ?? GroupNotFound({ group: reference });
  if (answer instanceof Error) throw answer;
  return answer;
};

test('an unchanged name keeps the identity it was saved with; a typed sid or dn is not believed', async () => {
  const stored = [entry('Desk', desk)];
  const forgedTyping = entry('Desk', { sid: 'S-1-5-21-1-2-3-9999', dn: 'CN=Desk,OU=Vendors,DC=x' });
  const ambiguousNow = directory({ Desk: GroupAmbiguous({ group: 'Desk', dns: [desk.dn, 'CN=Desk,OU=Vendors,DC=x'] }) });
  const { groups, errors } = await pinGroups([forgedTyping], stored, ambiguousNow);
  assert.deepEqual(errors, []);
  assert.deepEqual(groups, [entry('Desk', desk)]);
});

test('a new name is resolved; one that names no group or several is reported, naming the DNs, and left unpinned', async () => {
  const vendors = 'CN=Desk,OU=Vendors,DC=x';
  const resolve = directory({ [desk.dn]: desk, Desk: GroupAmbiguous({ group: 'Desk', dns: [desk.dn, vendors] }) });
  const { groups, errors } = await pinGroups([entry(desk.dn), entry('Desk'), entry('Nobody')], [], resolve);
  assert.deepEqual(groups, [entry(desk.dn, desk), entry('Desk'), entry('Nobody')]);
  assert.deepEqual(errors, [
    { field: 'groups', code: 'LK_GROUP_AMBIGUOUS', params: { group: 'Desk', dns: `${desk.dn}; ${vendors}` } },
    { field: 'groups', code: 'LK_GROUP_NOT_FOUND', params: { group: 'Nobody', dns: '' } },
  ]);
});

test('a directory that does not answer is not mistaken for a missing group', async () => {
  const down = directory({ Desk: DirectoryUnreachable({ server: 'dc1', reason: 'refused' }) });
  await assert.rejects(pinGroups([entry('Desk')], [], down), { code: 'LK_DIRECTORY_UNREACHABLE' });
});
