import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GroupMembership } from './directory.ts';
import { holdsGroup } from './group-identity.ts';

const admins = { sid: 'S-1-5-21-1-2-3-1105', dn: 'CN=Latchkey Admins,OU=Groups,DC=x' };
const membership = (dn: string, sid: string): GroupMembership => ({ dn, name: /^CN=([^,]+)/.exec(dn)![1]!, sid, direct: true });

test('a group is held by its SID, not by a group of the same name or even the same DN', () => {
  assert.equal(holdsGroup([membership('CN=Latchkey Admins,OU=Groups,DC=x', admins.sid)], admins), true);
  assert.equal(holdsGroup([membership('CN=Latchkey Admins,OU=Vendors,DC=x', 'S-1-5-21-1-2-3-2001')], admins), false);
  assert.equal(holdsGroup([membership(admins.dn, 'S-1-5-21-1-2-3-2002')], admins), false, 'deleted and re-created under the same DN');
  assert.equal(holdsGroup([membership('CN=x,DC=x', '')], { sid: '', dn: 'CN=x,DC=x' }), false, 'an unreadable SID matches nothing');
});
