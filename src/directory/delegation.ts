/**
 * The three rights Latchkey's service account needs on the OUs of its users, and
 * whether it effectively holds them there: judged from what the DC says (the OU's DACL, the
 * account's token, allowedAttributesEffective), never by trying a reset on someone's account.
 */
import {
  type Ace,
  CONTAINER_INHERIT_ACE,
  GENERIC_ALL,
  GENERIC_EXECUTE,
  GENERIC_READ,
  GENERIC_WRITE,
  INHERIT_ONLY_ACE,
  RIGHT_DS_CONTROL_ACCESS,
  RIGHT_DS_WRITE_PROPERTY,
} from './security-descriptor.ts';

/** The user class (schemaIDGUID of "user"): the delegation is inherited by user objects only. */
export const USER_CLASS_GUID = 'bf967aba-0de6-11d0-a285-00aa003049e2';
/** The "Reset Password" extended right (User-Force-Change-Password). */
export const RESET_PASSWORD_GUID = '00299570-246d-11d0-a768-00aa006e0529';
/** schemaIDGUID of lockoutTime. */
export const LOCKOUT_TIME_GUID = '28630ebf-41d5-11d1-a9c1-0000f80367c1';
/** schemaIDGUID of pwdLastSet. */
export const PWD_LAST_SET_GUID = 'bf967a0a-0de6-11d0-a285-00aa003049e2';
/** The User-Account-Restrictions property set, which holds pwdLastSet (a grant on it covers the attribute). */
export const USER_ACCOUNT_RESTRICTIONS_GUID = '4c164200-20c0-11d0-a768-00aa006e0529';

/** One right the service account needs, with how AD names and stores it. */
export interface RequiredRight {
  /** As InsufficientRights names it (errors.ts DelegatedRight). */
  name: 'Reset Password' | 'Write lockoutTime' | 'Write pwdLastSet';
  /** The attribute written, for rights checked with allowedAttributesEffective. */
  attribute: string | null;
  /** The access bit an ACE must grant. */
  mask: number;
  /** ACE ObjectTypes that carry the right (besides an ACE without one, which covers all). */
  objectTypes: readonly string[];
  /** The dsacls permission statement, after "account:". */
  dsacls: string;
  /** The statement for the object itself (AdminSDHolder, whose ACEs SDProp copies onto protected accounts). */
  dsaclsOnObject: string;
  /** ActiveDirectoryRights for the PowerShell equivalent; dsacls' RPWP is read and write. */
  adRights: string;
  /** ActiveDirectoryRights of the rule on the object itself (dsaclsOnObject). */
  adRightsOnObject: string;
  /** The GUID the PowerShell rule names. */
  guid: string;
}

/** The three rights, in the order the delegation guide gives them. */
export const REQUIRED_RIGHTS: readonly RequiredRight[] = [
  {
    name: 'Reset Password',
    attribute: null,
    mask: RIGHT_DS_CONTROL_ACCESS,
    objectTypes: [RESET_PASSWORD_GUID],
    dsacls: 'CA;Reset Password;user',
    dsaclsOnObject: 'CA;Reset Password',
    adRights: 'ExtendedRight',
    adRightsOnObject: 'ExtendedRight',
    guid: RESET_PASSWORD_GUID,
  },
  {
    name: 'Write lockoutTime',
    attribute: 'lockoutTime',
    mask: RIGHT_DS_WRITE_PROPERTY,
    objectTypes: [LOCKOUT_TIME_GUID],
    dsacls: 'RPWP;lockoutTime;user',
    dsaclsOnObject: 'WP;lockoutTime',
    adRights: 'ReadProperty, WriteProperty',
    adRightsOnObject: 'WriteProperty',
    guid: LOCKOUT_TIME_GUID,
  },
  {
    name: 'Write pwdLastSet',
    attribute: 'pwdLastSet',
    mask: RIGHT_DS_WRITE_PROPERTY,
    objectTypes: [PWD_LAST_SET_GUID, USER_ACCOUNT_RESTRICTIONS_GUID],
    dsacls: 'RPWP;pwdLastSet;user',
    dsaclsOnObject: 'WP;pwdLastSet',
    adRights: 'ReadProperty, WriteProperty',
    adRightsOnObject: 'WriteProperty',
    guid: PWD_LAST_SET_GUID,
  },
];

/**
 * SIDs in the token of every account that binds over the network, which tokenGroups on the
 * account's own entry leaves out: Everyone, NETWORK, Authenticated Users. ACEs for them (a
 * deny to Everyone, say) count as much as ACEs for the account's groups.
 */
const LOGON_SIDS = ['S-1-1-0', 'S-1-5-2', 'S-1-5-11'];

/** The SIDs access checks match ACEs against: the account's own, its groups' and the logon SIDs. */
export function tokenSids(accountSid: string, groupSids: readonly string[]): Set<string> {
  return new Set([accountSid, ...groupSids, ...LOGON_SIDS]);
}

/** AD's mapping of the generic rights to directory-service rights ([MS-ADTS] 5.1.3.2). */
const GENERIC_MAPPING: readonly [number, number][] = [
  [GENERIC_READ, 0x0002_0094],
  [GENERIC_WRITE, 0x0002_0028],
  [GENERIC_EXECUTE, 0x0002_0004],
  [GENERIC_ALL, 0x000f_01ff],
];

/** A mask with its generic bits replaced by the rights they stand for. */
export function mapGeneric(mask: number): number {
  let mapped = mask;
  for (const [generic, rights] of GENERIC_MAPPING) if (mask & generic) mapped |= rights;
  return mapped >>> 0;
}

/** What an access check found, with the ACE that decided it (null: no ACE matched at all). */
export interface AccessVerdict {
  granted: boolean;
  decidedBy: Ace | null;
}

/**
 * Whether a child object of class `childClass` created in (or moved into) the container with
 * `dacl` gets `right` for the token `sids` through inheritance. Only ACEs the child inherits
 * count: container-inherit, and for object ACEs an InheritedObjectType of that class or none
 * (inherit-only does not matter: it only keeps an ACE off the container itself).
 */
export function inheritedAccess(dacl: readonly Ace[] | null, sids: ReadonlySet<string>, right: RequiredRight, childClass = USER_CLASS_GUID): AccessVerdict {
  return accessCheck(
    dacl,
    sids,
    right,
    (ace) => (ace.flags & CONTAINER_INHERIT_ACE) !== 0 && (!ace.inheritedObjectType || ace.inheritedObjectType === childClass),
  );
}

/**
 * Whether the object with `dacl` itself grants `right` to the token `sids`: every ACE but the
 * inherit-only ones counts. SDProp copies AdminSDHolder's DACL onto protected accounts as it is,
 * so this is what they will grant.
 */
export function objectAccess(dacl: readonly Ace[] | null, sids: ReadonlySet<string>, right: RequiredRight): AccessVerdict {
  return accessCheck(dacl, sids, right, (ace) => !(ace.flags & INHERIT_ONLY_ACE));
}

/**
 * The ACEs that `applies` keeps are walked in stored order, as Windows does; AD keeps them
 * canonical (explicit deny, explicit allow, then inherited ones), so a deny placed first takes
 * the right away before any allow. A missing DACL grants everything, an empty one nothing.
 */
function accessCheck(dacl: readonly Ace[] | null, sids: ReadonlySet<string>, right: RequiredRight, applies: (ace: Ace) => boolean): AccessVerdict {
  if (dacl === null) return { granted: true, decidedBy: null };
  let wanted = right.mask;
  for (const ace of dacl) {
    if (ace.kind === 'other' || !sids.has(ace.sid) || !applies(ace)) continue;
    if (ace.objectType && !right.objectTypes.includes(ace.objectType)) continue;
    const bits = mapGeneric(ace.mask) & wanted;
    if (!bits) continue;
    if (ace.kind === 'deny') return { granted: false, decidedBy: ace };
    wanted &= ~bits;
    if (!wanted) return { granted: true, decidedBy: ace };
  }
  return { granted: false, decidedBy: null };
}

/** How sure the doctor is about one right on one OU. */
export type RightState = 'granted' | 'missing' | 'unknown';

/** One right, judged on one OU. */
export interface RightFinding {
  right: RequiredRight;
  state: RightState;
  /** How it was judged, in words for the report. */
  evidence: string;
}

/** What the DC told about one OU, as the service account sees it. */
export interface DelegationEvidence {
  /** The OU's DACL, or null when the service account may not read it. */
  dacl: Ace[] | null | 'unreadable';
  /** A user inside the OU and the attributes the service account may write on it; null when the OU holds none. */
  sample: { dn: string; writable: readonly string[] } | null;
}

/**
 * Judges the three rights on one OU. The extended right comes from the OU's DACL; the two
 * attributes from allowedAttributesEffective of a user inside it, which the DC computes with
 * everything (property sets, the user's own ACL), falling back to the DACL when the OU holds no
 * user to ask about.
 */
export function assessDelegation(evidence: DelegationEvidence, sids: ReadonlySet<string>): RightFinding[] {
  return REQUIRED_RIGHTS.map((right) => {
    if (right.attribute && evidence.sample) {
      const writable = evidence.sample.writable.some((name) => name.toLowerCase() === right.attribute!.toLowerCase());
      return { right, state: writable ? 'granted' : 'missing', evidence: `allowedAttributesEffective of ${evidence.sample.dn}` };
    }
    if (evidence.dacl === 'unreadable') return { right, state: 'unknown', evidence: "the OU's security descriptor is not readable by the service account" };
    const verdict = inheritedAccess(evidence.dacl, sids, right);
    return { right, state: verdict.granted ? 'granted' : 'missing', evidence: describeVerdict(verdict) };
  });
}

/**
 * Judges the three rights on AdminSDHolder, from its DACL alone: it is a container, so the DC
 * computes no effective rights on user attributes there.
 */
export function assessHolder(dacl: Ace[] | null | 'unreadable', sids: ReadonlySet<string>): RightFinding[] {
  return REQUIRED_RIGHTS.map((right) => {
    if (dacl === 'unreadable') return { right, state: 'unknown', evidence: "AdminSDHolder's security descriptor is not readable by the service account" };
    const verdict = objectAccess(dacl, sids, right);
    return { right, state: verdict.granted ? 'granted' : 'missing', evidence: describeVerdict(verdict, 'AdminSDHolder') };
  });
}

function describeVerdict(verdict: AccessVerdict, holder = 'the OU'): string {
  if (!verdict.decidedBy)
    return verdict.granted ? `${holder}'s DACL is absent (everyone has every right)` : `no ACE of ${holder}'s DACL grants it to the account or its groups`;
  const ace = verdict.decidedBy;
  return `${ace.kind === 'deny' ? 'denied' : 'granted'} by an ${ace.kind} ACE for ${ace.sid} in ${holder}'s DACL`;
}
