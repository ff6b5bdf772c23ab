import assert from 'node:assert/strict';
import { test } from 'node:test';
import { protectedGroupName } from './protected-groups.ts';

test('builtin and domain protected groups are recognised by SID in any domain', () => {
  assert.equal(protectedGroupName('S-1-5-32-544'), 'Administrators');
  assert.equal(protectedGroupName('S-1-5-32-551'), 'Backup Operators');
  assert.equal(protectedGroupName('S-1-5-21-1-2-3-512'), 'Domain Admins');
  assert.equal(protectedGroupName('S-1-5-21-9-8-7-519'), 'Enterprise Admins'); // the forest root's
  assert.equal(protectedGroupName('S-1-5-21-1-2-3-527'), 'Enterprise Key Admins');
});

test('ordinary groups are not protected, whatever their RID looks like elsewhere', () => {
  assert.equal(protectedGroupName('S-1-5-21-1-2-3-513'), null); // Domain Users
  assert.equal(protectedGroupName('S-1-5-21-1-2-3-1512'), null);
  assert.equal(protectedGroupName('S-1-5-32-545'), null); // Users
  assert.equal(protectedGroupName('S-1-5-32-5440'), null);
  assert.equal(protectedGroupName('S-1-5-21-1-2-512'), null); // not a domain SID + RID
});
