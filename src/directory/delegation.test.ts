/**
 * The effective-rights evaluator, pure: on the real DACL of OU=Staff and on hand-built ACLs for
 * the cases the dev domain does not show (deny first, inherit-only, other object types, property
 * sets, generic rights), and the verdicts assessDelegation draws from the evidence.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assessDelegation,
  assessHolder,
  inheritedAccess,
  LOCKOUT_TIME_GUID,
  PWD_LAST_SET_GUID,
  REQUIRED_RIGHTS,
  RESET_PASSWORD_GUID,
  type RequiredRight,
  tokenSids,
  USER_ACCOUNT_RESTRICTIONS_GUID,
  USER_CLASS_GUID,
} from './delegation.ts';
import { FIXTURE_DOMAIN_SID, FIXTURE_SERVICE_GROUPS, FIXTURE_SERVICE_SID, STAFF_DACL_BASE64 } from './security-descriptor.fixture.ts';
import {
  ACCESS_ALLOWED_ACE_TYPE,
  ACCESS_ALLOWED_OBJECT_ACE_TYPE,
  ACCESS_DENIED_ACE_TYPE,
  ACCESS_DENIED_OBJECT_ACE_TYPE,
  type Ace,
  CONTAINER_INHERIT_ACE,
  encodeSecurityDescriptor,
  GENERIC_ALL,
  INHERIT_ONLY_ACE,
  INHERITED_ACE,
  OBJECT_INHERIT_ACE,
  parseSecurityDescriptor,
  RIGHT_DS_CONTROL_ACCESS,
  RIGHT_DS_READ_PROPERTY,
  RIGHT_DS_WRITE_PROPERTY,
} from './security-descriptor.ts';

const [RESET, LOCKOUT, PWD_LAST_SET] = REQUIRED_RIGHTS as [RequiredRight, RequiredRight, RequiredRight];
const staff = parseSecurityDescriptor(Buffer.from(STAFF_DACL_BASE64, 'base64')).dacl!;
const service = tokenSids(FIXTURE_SERVICE_SID, FIXTURE_SERVICE_GROUPS);
/** An ordinary user of the same domain: Domain Users and nothing delegated. */
const ordinary = tokenSids(`${FIXTURE_DOMAIN_SID}-4242`, [`${FIXTURE_DOMAIN_SID}-513`, 'S-1-5-32-545']);
const ACCOUNT = 'S-1-5-21-1-2-3-1105';
const token = tokenSids(ACCOUNT, ['S-1-5-21-1-2-3-513']);
/** The computer class: user objects are not computers, so grants for computers do not count. */
const COMPUTER_CLASS_GUID = 'bf967a86-0de6-11d0-a285-00aa003049e2';
/** The Change Password extended right: a different right from Reset Password. */
const CHANGE_PASSWORD_GUID = 'ab721a53-1e2f-11d0-9819-00aa0040529b';
/** dsacls /I:S: inherited by sub-objects, not applied to the OU itself. */
const SUBOBJECTS = CONTAINER_INHERIT_ACE | INHERIT_ONLY_ACE;

/** An allow object ACE as the documented dsacls line makes it, with `overrides`. */
function ace(overrides: Partial<Ace> = {}): Ace {
  return {
    type: ACCESS_ALLOWED_OBJECT_ACE_TYPE,
    kind: 'allow',
    flags: SUBOBJECTS,
    mask: RIGHT_DS_CONTROL_ACCESS,
    sid: ACCOUNT,
    objectType: RESET_PASSWORD_GUID,
    inheritedObjectType: USER_CLASS_GUID,
    ...overrides,
  };
}

function deny(overrides: Partial<Ace> = {}): Ace {
  return ace({ type: ACCESS_DENIED_OBJECT_ACE_TYPE, kind: 'deny', ...overrides });
}

/** The ACEs as the DC would send them: through the encoder and the parser. */
function wire(aces: Ace[]): Ace[] {
  return parseSecurityDescriptor(encodeSecurityDescriptor({ dacl: aces })).dacl!;
}

describe('the real DACL of OU=Staff', () => {
  test('gives the delegated service account all three rights on user objects', () => {
    for (const right of REQUIRED_RIGHTS) {
      const verdict = inheritedAccess(staff, service, right);
      assert.ok(verdict.granted, right.name);
      assert.equal(verdict.decidedBy?.sid, FIXTURE_SERVICE_SID, `${right.name}: by the delegation itself`);
    }
  });

  test('gives an ordinary user none of them', () => {
    for (const right of REQUIRED_RIGHTS) assert.deepEqual(inheritedAccess(staff, ordinary, right), { granted: false, decidedBy: null }, right.name);
  });

  test('gives Enterprise Admins everything through the full control inherited from the domain', () => {
    const admin = tokenSids(`${FIXTURE_DOMAIN_SID}-500`, [`${FIXTURE_DOMAIN_SID}-519`]);
    assert.equal(inheritedAccess(staff, admin, RESET).decidedBy?.sid, `${FIXTURE_DOMAIN_SID}-519`);
  });

  test("Domain Admins' full control on the OU itself is not inherited by its users", () => {
    const domainAdmins = tokenSids(`${FIXTURE_DOMAIN_SID}-1500`, [`${FIXTURE_DOMAIN_SID}-512`]);
    assert.equal(inheritedAccess(staff, domainAdmins, RESET).granted, false);
  });

  test('gives nothing to user objects of another class (computers)', () => {
    assert.equal(inheritedAccess(staff, service, RESET, COMPUTER_CLASS_GUID).granted, false);
  });
});

describe('hand-built ACLs', () => {
  test('the three-right grant works, for the account or for a group in its token', () => {
    assert.equal(inheritedAccess(wire([ace()]), token, RESET).granted, true);
    assert.equal(inheritedAccess(wire([ace({ sid: 'S-1-5-21-1-2-3-513' })]), token, RESET).granted, true);
    assert.equal(inheritedAccess(wire([ace({ sid: 'S-1-5-21-1-2-3-9999' })]), token, RESET).granted, false);
  });

  test('an explicit deny placed first takes the right away; the deny that decided is named', () => {
    const verdict = inheritedAccess(wire([deny(), ace()]), token, RESET);
    assert.equal(verdict.granted, false);
    assert.equal(verdict.decidedBy?.kind, 'deny');
  });

  test('a deny to Everyone counts: every network logon carries that SID', () => {
    assert.equal(inheritedAccess(wire([deny({ sid: 'S-1-1-0' }), ace()]), token, RESET).granted, false);
    assert.equal(
      inheritedAccess(wire([deny({ type: ACCESS_DENIED_ACE_TYPE, sid: 'S-1-5-11', objectType: null, inheritedObjectType: null }), ace()]), token, RESET)
        .granted,
      false,
    );
  });

  test('ACEs are walked in stored order: an allow before a deny wins, as in Windows', () => {
    assert.equal(inheritedAccess(wire([ace(), deny()]), token, RESET).granted, true);
  });

  test('a deny of another right, or for user objects of another class, takes nothing away', () => {
    assert.equal(inheritedAccess(wire([deny({ objectType: CHANGE_PASSWORD_GUID }), ace()]), token, RESET).granted, true);
    assert.equal(inheritedAccess(wire([deny({ inheritedObjectType: COMPUTER_CLASS_GUID }), ace()]), token, RESET).granted, true);
  });

  test('only container-inherit ACEs reach user objects; inherit-only alone does not', () => {
    assert.equal(inheritedAccess(wire([ace({ flags: 0 })]), token, RESET).granted, false, 'this OU only');
    assert.equal(inheritedAccess(wire([ace({ flags: INHERIT_ONLY_ACE })]), token, RESET).granted, false, 'inherit-only, inherited by nothing');
    assert.equal(inheritedAccess(wire([ace({ flags: OBJECT_INHERIT_ACE | INHERIT_ONLY_ACE })]), token, RESET).granted, false, 'AD objects are containers');
    assert.equal(inheritedAccess(wire([ace({ flags: CONTAINER_INHERIT_ACE })]), token, RESET).granted, true, 'this OU and below');
  });

  test('object types: another extended right does not count, none at all means every right', () => {
    assert.equal(inheritedAccess(wire([ace({ objectType: CHANGE_PASSWORD_GUID })]), token, RESET).granted, false);
    assert.equal(inheritedAccess(wire([ace({ objectType: null })]), token, RESET).granted, true);
    assert.equal(inheritedAccess(wire([ace({ inheritedObjectType: null })]), token, RESET).granted, true, 'inherited by every class');
    assert.equal(inheritedAccess(wire([ace({ inheritedObjectType: COMPUTER_CLASS_GUID })]), token, RESET).granted, false);
  });

  test('Reset Password needs control access: read and write of the right GUID are not it', () => {
    assert.equal(inheritedAccess(wire([ace({ mask: RIGHT_DS_READ_PROPERTY | RIGHT_DS_WRITE_PROPERTY })]), token, RESET).granted, false);
  });

  test('attribute writes: the attribute, its property set, or write-all; reading is not writing', () => {
    const write = (objectType: string | null, mask = RIGHT_DS_READ_PROPERTY | RIGHT_DS_WRITE_PROPERTY) => wire([ace({ mask, objectType })]);
    assert.equal(inheritedAccess(write(LOCKOUT_TIME_GUID), token, LOCKOUT).granted, true);
    assert.equal(inheritedAccess(write(LOCKOUT_TIME_GUID), token, PWD_LAST_SET).granted, false);
    assert.equal(inheritedAccess(write(USER_ACCOUNT_RESTRICTIONS_GUID), token, PWD_LAST_SET).granted, true);
    assert.equal(inheritedAccess(write(USER_ACCOUNT_RESTRICTIONS_GUID), token, LOCKOUT).granted, false, 'lockoutTime is in no property set');
    assert.equal(inheritedAccess(write(null), token, LOCKOUT).granted, true);
    assert.equal(inheritedAccess(write(PWD_LAST_SET_GUID, RIGHT_DS_READ_PROPERTY), token, PWD_LAST_SET).granted, false);
  });

  test('generic rights count as what they map to', () => {
    const genericAll = wire([ace({ type: ACCESS_ALLOWED_ACE_TYPE, mask: GENERIC_ALL, objectType: null, inheritedObjectType: null })]);
    for (const right of REQUIRED_RIGHTS) assert.equal(inheritedAccess(genericAll, token, right).granted, true, right.name);
  });

  test('no DACL grants everything; an empty one nothing', () => {
    assert.equal(inheritedAccess(null, token, RESET).granted, true);
    assert.equal(inheritedAccess([], token, RESET).granted, false);
  });
});

describe('the token', () => {
  test("holds the account's SID, its groups' and the logon SIDs", () => {
    assert.deepEqual(
      [...tokenSids('S-1-5-21-1-2-3-1105', ['S-1-5-21-1-2-3-513'])].sort(),
      ['S-1-1-0', 'S-1-5-11', 'S-1-5-2', 'S-1-5-21-1-2-3-1105', 'S-1-5-21-1-2-3-513'].sort(),
    );
  });
});

describe('assessDelegation', () => {
  const sample = (writable: string[]) => ({ dn: 'CN=Ann,OU=Staff,DC=x', writable });

  test('attributes follow allowedAttributesEffective (any case) when the OU holds a user, Reset Password the DACL', () => {
    const findings = assessDelegation({ dacl: wire([ace()]), sample: sample(['LOCKOUTTIME', 'mobile']) }, token);
    assert.deepEqual(
      findings.map((f) => [f.right.name, f.state]),
      [
        ['Reset Password', 'granted'],
        ['Write lockoutTime', 'granted'],
        ['Write pwdLastSet', 'missing'],
      ],
    );
    assert.match(findings[1]!.evidence, /allowedAttributesEffective of CN=Ann/);
    assert.match(findings[0]!.evidence, /granted by an allow ACE for S-1-5-21-1-2-3-1105/);
  });

  test('without a user in the OU the attributes are judged from the DACL', () => {
    const dacl = wire([ace(), ace({ mask: RIGHT_DS_WRITE_PROPERTY, objectType: LOCKOUT_TIME_GUID })]);
    assert.deepEqual(
      assessDelegation({ dacl, sample: null }, token).map((f) => f.state),
      ['granted', 'granted', 'missing'],
    );
  });

  test('an unreadable DACL leaves what it alone would tell unknown', () => {
    assert.deepEqual(
      assessDelegation({ dacl: 'unreadable', sample: sample(['lockoutTime', 'pwdLastSet']) }, token).map((f) => f.state),
      ['unknown', 'granted', 'granted'],
    );
    assert.deepEqual(
      assessDelegation({ dacl: 'unreadable', sample: null }, token).map((f) => f.state),
      ['unknown', 'unknown', 'unknown'],
    );
  });
});

describe('assessHolder (AdminSDHolder, whose DACL SDProp copies onto protected accounts)', () => {
  /** The ACEs the doctor's dsacls lines put on AdminSDHolder: on the object itself, no inheritance. */
  const holderGrants = () => [
    ace({ flags: 0, inheritedObjectType: null }),
    ace({ flags: 0, inheritedObjectType: null, mask: RIGHT_DS_WRITE_PROPERTY, objectType: LOCKOUT_TIME_GUID }),
    ace({ flags: 0, inheritedObjectType: null, mask: RIGHT_DS_WRITE_PROPERTY, objectType: PWD_LAST_SET_GUID }),
  ];
  const states = (dacl: Ace[] | null | 'unreadable') => assessHolder(dacl, token).map((f) => f.state);

  test('ACEs on the object itself grant; inherit-only ones, which reach only what is below AdminSDHolder, do not', () => {
    assert.deepEqual(states(wire(holderGrants())), ['granted', 'granted', 'granted']);
    assert.deepEqual(states(wire([ace({ flags: INHERITED_ACE | CONTAINER_INHERIT_ACE })])), ['granted', 'missing', 'missing']);
    assert.deepEqual(states(wire([ace()])), ['missing', 'missing', 'missing'], 'the OU-style grant (/I:S) does not count here');
    assert.match(assessHolder(wire([]), token)[0]!.evidence, /no ACE of AdminSDHolder's DACL grants it/);
  });

  test('a deny before the grants takes the right away; an unreadable DACL leaves all three unknown', () => {
    assert.deepEqual(states(wire([deny({ flags: 0, inheritedObjectType: null }), ...holderGrants()])), ['missing', 'granted', 'granted']);
    assert.deepEqual(states('unreadable'), ['unknown', 'unknown', 'unknown']);
  });
});
