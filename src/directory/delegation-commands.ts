/**
 * The commands that grant the service account its rights on an OU, for an administrator to
 * paste on a domain controller: the documented dsacls lines, exactly, and the same grants in
 * PowerShell (ActiveDirectory module, Get-Acl/Set-Acl on the AD: drive).
 */
import { type RequiredRight, USER_CLASS_GUID } from './delegation.ts';

/** The service account as Windows tools name it. */
export interface Grantee {
  netbiosDomain: string;
  samAccountName: string;
}

/** DOMAIN\name, the form dsacls examples use. */
export function downLevelName(grantee: Grantee): string {
  return `${grantee.netbiosDomain}\\${grantee.samAccountName}`;
}

/**
 * The dsacls lines for `rights` on `ou`: /I:S puts them on sub-objects only, ";user"
 * on user objects only. They run the same in cmd and PowerShell.
 */
export function dsaclsCommands(ou: string, grantee: Grantee, rights: readonly RequiredRight[]): string[] {
  return rights.map((right) => `dsacls "${ou}" /I:S /G "${downLevelName(grantee)}:${right.dsacls}"`);
}

/** A PowerShell single-quoted string literal (a quote inside is doubled). */
export function powershellString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The same grants in PowerShell: one ActiveDirectoryAccessRule per right, with the right's
 * GUID, inherited by descendant user objects only ('Descendents' is .NET's spelling; it is
 * dsacls' /I:S).
 */
export function powershellCommands(ou: string, grantee: Grantee, rights: readonly RequiredRight[]): string[] {
  return [
    'Import-Module ActiveDirectory',
    `$ou = ${powershellString(`AD:\\${ou}`)}`,
    `$sid = (Get-ADUser -Identity ${powershellString(grantee.samAccountName)}).SID`,
    `$user = [guid]${powershellString(USER_CLASS_GUID)}`,
    '$acl = Get-Acl -Path $ou',
    ...rights.map(
      (right) =>
        `$acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule($sid, ${powershellString(right.adRights)}, 'Allow', [guid]${powershellString(right.guid)}, 'Descendents', $user)))  # ${right.name}`,
    ),
    'Set-Acl -Path $ou -AclObject $acl',
  ];
}

/** Both ways to grant `rights`, introduced, as lines for a report. */
export function grantInstructions(ou: string, grantee: Grantee, rights: readonly RequiredRight[]): string[] {
  return [
    'On a domain controller, as a domain administrator (cmd or PowerShell):',
    ...dsaclsCommands(ou, grantee, rights).map((line) => `  ${line}`),
    'or in PowerShell with the ActiveDirectory module:',
    ...powershellCommands(ou, grantee, rights).map((line) => `  ${line}`),
  ];
}

/** Where AD keeps the DACL that SDProp copies onto every protected account. */
export function adminSdHolderDn(baseDn: string): string {
  return `CN=AdminSDHolder,CN=System,${baseDn}`;
}

/**
 * The grants on AdminSDHolder itself (no /I: they are for the object, as SDProp copies them onto
 * each protected account), in dsacls and in PowerShell.
 */
export function holderGrantInstructions(holder: string, grantee: Grantee, rights: readonly RequiredRight[]): string[] {
  return [
    'On a domain controller, as a domain administrator (cmd or PowerShell):',
    ...rights.map((right) => `  dsacls "${holder}" /G "${downLevelName(grantee)}:${right.dsaclsOnObject}"`),
    'or in PowerShell with the ActiveDirectory module:',
    ...[
      'Import-Module ActiveDirectory',
      `$holder = ${powershellString(`AD:\\${holder}`)}`,
      `$sid = (Get-ADUser -Identity ${powershellString(grantee.samAccountName)}).SID`,
      '$acl = Get-Acl -Path $holder',
      ...rights.map(
        (right) =>
          `$acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule($sid, ${powershellString(right.adRightsOnObject)}, 'Allow', [guid]${powershellString(right.guid)})))  # ${right.name}`,
      ),
      'Set-Acl -Path $holder -AclObject $acl',
    ].map((line) => `  ${line}`),
  ];
}

/**
 * SDProp copies AdminSDHolder's DACL onto protected accounts every hour; setting
 * runProtectAdminGroupsTask on the rootDSE of the PDC emulator runs it at once.
 */
export const SDPROP_NOW = [
  "AD applies AdminSDHolder's rights to the protected accounts within an hour (SDProp); to run SDProp now, set runProtectAdminGroupsTask to 1 on the rootDSE of the PDC emulator (PowerShell there):",
  "  $root = [ADSI]'LDAP://RootDSE'; $root.Put('runProtectAdminGroupsTask', 1); $root.SetInfo()",
  '  (or in ldp: Browse > Modify, DN empty, attribute runProtectAdminGroupsTask, value 1, Replace)',
];
