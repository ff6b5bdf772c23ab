/**
 * The security-descriptor parser on real bytes from the dev domain (the DACL of OU=Staff) and on
 * hand-built descriptors, and the encoder the delegation tests build their descriptors with.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RESET_PASSWORD_GUID, USER_CLASS_GUID } from './delegation.ts';
import { FIXTURE_DOMAIN_SID, FIXTURE_SERVICE_SID, STAFF_DACL_BASE64 } from './security-descriptor.fixture.ts';
import {
  ACCESS_ALLOWED_ACE_TYPE,
  ACCESS_ALLOWED_OBJECT_ACE_TYPE,
  ACCESS_DENIED_OBJECT_ACE_TYPE,
  CONTAINER_INHERIT_ACE,
  encodeSecurityDescriptor,
  INHERIT_ONLY_ACE,
  INHERITED_ACE,
  parseSecurityDescriptor,
  RIGHT_DS_CONTROL_ACCESS,
  SE_DACL_PRESENT,
  SE_SELF_RELATIVE,
} from './security-descriptor.ts';

const staff = Buffer.from(STAFF_DACL_BASE64, 'base64');

describe('a real descriptor (OU=Staff, DACL only)', () => {
  const sd = parseSecurityDescriptor(staff);

  test('has the DACL and, as the SD-flags control asked, no owner or group', () => {
    assert.ok(sd.control & SE_SELF_RELATIVE && sd.control & SE_DACL_PRESENT);
    assert.equal(sd.owner, null);
    assert.equal(sd.group, null);
    assert.equal(sd.dacl?.length, 34);
  });

  test('reads the delegated Reset Password grant as an inheritable object ACE for user objects', () => {
    const reset = sd.dacl!.find((ace) => ace.objectType === RESET_PASSWORD_GUID);
    assert.deepEqual(reset, {
      type: ACCESS_ALLOWED_OBJECT_ACE_TYPE,
      kind: 'allow',
      flags: CONTAINER_INHERIT_ACE | INHERIT_ONLY_ACE,
      mask: RIGHT_DS_CONTROL_ACCESS,
      sid: FIXTURE_SERVICE_SID,
      objectType: RESET_PASSWORD_GUID,
      inheritedObjectType: USER_CLASS_GUID,
    });
  });

  test('reads plain ACEs, and the ones inherited from the domain, with their flags', () => {
    const domainAdmins = sd.dacl!.find((ace) => ace.sid === `${FIXTURE_DOMAIN_SID}-512`);
    assert.deepEqual(domainAdmins, {
      type: ACCESS_ALLOWED_ACE_TYPE,
      kind: 'allow',
      flags: 0,
      mask: 0xf01ff,
      sid: `${FIXTURE_DOMAIN_SID}-512`,
      objectType: null,
      inheritedObjectType: null,
    });
    const enterpriseAdmins = sd.dacl!.find((ace) => ace.sid === `${FIXTURE_DOMAIN_SID}-519`);
    assert.equal(enterpriseAdmins?.flags, CONTAINER_INHERIT_ACE | INHERITED_ACE);
    // Object ACEs with only an InheritedObjectType (read all properties of users, for Pre-Windows 2000 Compatible Access).
    assert.ok(sd.dacl!.some((ace) => ace.sid === 'S-1-5-32-554' && ace.objectType === null && ace.inheritedObjectType === USER_CLASS_GUID));
  });

  test('encodes back to the very same bytes', () => {
    assert.equal(encodeSecurityDescriptor(sd).toString('base64'), STAFF_DACL_BASE64);
  });
});

describe('hand-built descriptors', () => {
  test('owner, group and a deny object ACE survive a round trip', () => {
    const ace = {
      type: ACCESS_DENIED_OBJECT_ACE_TYPE,
      flags: CONTAINER_INHERIT_ACE,
      mask: RIGHT_DS_CONTROL_ACCESS,
      sid: 'S-1-1-0',
      objectType: RESET_PASSWORD_GUID,
      inheritedObjectType: null,
    };
    const sd = parseSecurityDescriptor(encodeSecurityDescriptor({ owner: 'S-1-5-32-544', group: 'S-1-5-18', dacl: [ace] }));
    assert.equal(sd.owner, 'S-1-5-32-544');
    assert.equal(sd.group, 'S-1-5-18');
    assert.deepEqual(sd.dacl, [{ ...ace, kind: 'deny' }]);
  });

  test('a descriptor without a DACL reads as null (everyone may do everything), an empty one as []', () => {
    assert.equal(parseSecurityDescriptor(encodeSecurityDescriptor({ dacl: null })).dacl, null);
    assert.deepEqual(parseSecurityDescriptor(encodeSecurityDescriptor({ dacl: [] })).dacl, []);
  });

  test('ACE kinds the access check does not know are kept in place as "other"', () => {
    const audit = { type: 0x02, flags: 0, mask: 0x20, sid: 'S-1-1-0', objectType: null, inheritedObjectType: null };
    const allow = { ...audit, type: ACCESS_ALLOWED_ACE_TYPE };
    const kinds = parseSecurityDescriptor(encodeSecurityDescriptor({ dacl: [audit, allow] })).dacl!.map((ace) => ace.kind);
    assert.deepEqual(kinds, ['other', 'allow']);
  });

  test('malformed bytes are refused with a reason, never read past their end', () => {
    assert.throws(() => parseSecurityDescriptor(Buffer.alloc(10)), /malformed security descriptor: 10 bytes/);
    const absolute = Buffer.from(staff);
    absolute.writeUInt16LE(absolute.readUInt16LE(2) & ~SE_SELF_RELATIVE, 2);
    assert.throws(() => parseSecurityDescriptor(absolute), /not self-relative/);
    assert.throws(() => parseSecurityDescriptor(staff.subarray(0, staff.length - 5)), /runs past the end/);
    const oversized = Buffer.from(staff);
    oversized.writeUInt16LE(0xfff0, 20 + 8 + 2); // the first ACE's size
    assert.throws(() => parseSecurityDescriptor(oversized), /ACE 0 has size/);
  });
});
