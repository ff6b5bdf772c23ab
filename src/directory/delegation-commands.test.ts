import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOCKOUT_TIME_GUID, PWD_LAST_SET_GUID, REQUIRED_RIGHTS, RESET_PASSWORD_GUID, USER_CLASS_GUID } from './delegation.ts';
import { adminSdHolderDn, downLevelName, dsaclsCommands, grantInstructions, holderGrantInstructions, powershellCommands } from './delegation-commands.ts';

const grantee = { netbiosDomain: 'AXS', samAccountName: 'apr' };

test('dsacls lines are the documented ones, with the OU and DOMAIN\\account filled in', () => {
  assert.deepEqual(dsaclsCommands('OU=Staff,DC=axs,DC=net', grantee, REQUIRED_RIGHTS), [
    'dsacls "OU=Staff,DC=axs,DC=net" /I:S /G "AXS\\apr:CA;Reset Password;user"',
    'dsacls "OU=Staff,DC=axs,DC=net" /I:S /G "AXS\\apr:RPWP;lockoutTime;user"',
    'dsacls "OU=Staff,DC=axs,DC=net" /I:S /G "AXS\\apr:RPWP;pwdLastSet;user"',
  ]);
  assert.equal(downLevelName(grantee), 'AXS\\apr');
});

test('only the rights asked for are granted', () => {
  assert.deepEqual(dsaclsCommands('OU=X', grantee, REQUIRED_RIGHTS.slice(2)), ['dsacls "OU=X" /I:S /G "AXS\\apr:RPWP;pwdLastSet;user"']);
  const lines = powershellCommands('OU=X', grantee, REQUIRED_RIGHTS.slice(0, 1));
  assert.equal(lines.filter((line) => line.includes('AddAccessRule')).length, 1);
});

test('the PowerShell grants name each GUID, descendant user objects only, and quote the DN', () => {
  const lines = powershellCommands("OU=O'Brien Team,DC=axs,DC=net", grantee, REQUIRED_RIGHTS);
  assert.equal(lines[1], "$ou = 'AD:\\OU=O''Brien Team,DC=axs,DC=net'");
  assert.equal(lines[2], "$sid = (Get-ADUser -Identity 'apr').SID");
  assert.equal(lines[3], `$user = [guid]'${USER_CLASS_GUID}'`);
  const rules = lines.filter((line) => line.startsWith('$acl.AddAccessRule'));
  assert.deepEqual(
    rules.map((line) => /ActiveDirectoryAccessRule\(\$sid, '([^']+)', 'Allow', \[guid\]'([0-9a-f-]+)', 'Descendents', \$user\)/.exec(line)?.slice(1)),
    [
      ['ExtendedRight', RESET_PASSWORD_GUID],
      ['ReadProperty, WriteProperty', LOCKOUT_TIME_GUID],
      ['ReadProperty, WriteProperty', PWD_LAST_SET_GUID],
    ],
  );
  assert.equal(lines.at(-1), 'Set-Acl -Path $ou -AclObject $acl');
});

test('the instructions give both ways, indented under their headings', () => {
  const lines = grantInstructions('OU=X', grantee, REQUIRED_RIGHTS);
  assert.match(lines[0]!, /domain controller/);
  assert.ok(lines.includes('  dsacls "OU=X" /I:S /G "AXS\\apr:CA;Reset Password;user"'));
  assert.ok(lines.includes('  Set-Acl -Path $ou -AclObject $acl'));
});

test('on AdminSDHolder the grants are for the object itself: dsacls without /I or a class, PowerShell rules without inheritance', () => {
  const holder = adminSdHolderDn('DC=axs,DC=net');
  assert.equal(holder, 'CN=AdminSDHolder,CN=System,DC=axs,DC=net');
  const lines = holderGrantInstructions(holder, grantee, REQUIRED_RIGHTS);
  assert.deepEqual(
    lines.filter((line) => line.includes('dsacls')),
    [
      '  dsacls "CN=AdminSDHolder,CN=System,DC=axs,DC=net" /G "AXS\\apr:CA;Reset Password"',
      '  dsacls "CN=AdminSDHolder,CN=System,DC=axs,DC=net" /G "AXS\\apr:WP;lockoutTime"',
      '  dsacls "CN=AdminSDHolder,CN=System,DC=axs,DC=net" /G "AXS\\apr:WP;pwdLastSet"',
    ],
  );
  assert.ok(lines.includes("  $holder = 'AD:\\CN=AdminSDHolder,CN=System,DC=axs,DC=net'"), lines.join('\n'));
  assert.deepEqual(
    lines
      .filter((line) => line.includes('AddAccessRule'))
      .map((line) => /ActiveDirectoryAccessRule\(\$sid, '([^']+)', 'Allow', \[guid\]'([0-9a-f-]+)'\)\)\)/.exec(line)?.slice(1)),
    [
      ['ExtendedRight', RESET_PASSWORD_GUID],
      ['WriteProperty', LOCKOUT_TIME_GUID],
      ['WriteProperty', PWD_LAST_SET_GUID],
    ],
  );
});
