/**
 * Windows security descriptors as AD stores them in nTSecurityDescriptor: the self-relative
 * SECURITY_DESCRIPTOR, its DACL and the ACEs in it, object ACEs included ([MS-DTYP] 2.4.6, 2.4.5,
 * 2.4.4). Pure byte handling, so that effective rights can be judged from what the DC sends
 * without trying an operation.
 */
import { guidToBytes, guidToString, sidToBytes, sidToString } from './ad-values.ts';

/** SECURITY_DESCRIPTOR control bits that matter here. */
export const SE_DACL_PRESENT = 0x0004;
export const SE_DACL_PROTECTED = 0x1000;
export const SE_SELF_RELATIVE = 0x8000;

/** ACE types ([MS-DTYP] 2.4.4.1). */
export const ACCESS_ALLOWED_ACE_TYPE = 0x00;
export const ACCESS_DENIED_ACE_TYPE = 0x01;
export const ACCESS_ALLOWED_OBJECT_ACE_TYPE = 0x05;
export const ACCESS_DENIED_OBJECT_ACE_TYPE = 0x06;

/** ACE flags. AD objects are all containers, so CONTAINER_INHERIT is what reaches child objects. */
export const OBJECT_INHERIT_ACE = 0x01;
export const CONTAINER_INHERIT_ACE = 0x02;
export const NO_PROPAGATE_INHERIT_ACE = 0x04;
export const INHERIT_ONLY_ACE = 0x08;
export const INHERITED_ACE = 0x10;

/** Object ACE flags: which of the two GUIDs follow the mask. */
const ACE_OBJECT_TYPE_PRESENT = 0x1;
const ACE_INHERITED_OBJECT_TYPE_PRESENT = 0x2;

/** Directory-service access rights ([MS-ADTS] 5.1.3.2). */
export const RIGHT_DS_CREATE_CHILD = 0x0000_0001;
export const RIGHT_DS_READ_PROPERTY = 0x0000_0010;
export const RIGHT_DS_WRITE_PROPERTY = 0x0000_0020;
export const RIGHT_DS_CONTROL_ACCESS = 0x0000_0100;
export const GENERIC_ALL = 0x1000_0000;
export const GENERIC_EXECUTE = 0x2000_0000;
export const GENERIC_WRITE = 0x4000_0000;
export const GENERIC_READ = 0x8000_0000;

const HEADER_BYTES = 20;
const ACL_HEADER_BYTES = 8;
const ACL_REVISION_DS = 4;

/** Whether an ACE grants, denies, or is of a kind (audit, callback ...) access checks here ignore. */
export type AceKind = 'allow' | 'deny' | 'other';

/** One access control entry. GUIDs are in text form, as guidToString writes them. */
export interface Ace {
  /** The raw AceType (0 allowed, 1 denied, 5 allowed-object, 6 denied-object ...). */
  type: number;
  kind: AceKind;
  /** AceFlags: inheritance (CI, OI, NP, IO) and INHERITED_ACE. */
  flags: number;
  /** The access mask as stored (generic bits are not mapped here). */
  mask: number;
  /** The trustee. */
  sid: string;
  /** Object ACEs: the extended right, property or property set (null: all of them). */
  objectType: string | null;
  /** Object ACEs: the class of child objects it is inherited by (null: every class). */
  inheritedObjectType: string | null;
}

/** A parsed security descriptor. Parts not sent (the SD-flags control chose) are null. */
export interface SecurityDescriptor {
  control: number;
  owner: string | null;
  group: string | null;
  /** The DACL's ACEs in stored order; null when no DACL is present (which grants everyone everything). */
  dacl: Ace[] | null;
}

/** Parses a self-relative security descriptor; throws RangeError naming what is malformed. */
export function parseSecurityDescriptor(bytes: Buffer): SecurityDescriptor {
  if (bytes.length < HEADER_BYTES) throw malformed(`${bytes.length} bytes, a header needs ${HEADER_BYTES}`);
  if (bytes.readUInt8(0) !== 1) throw malformed(`revision ${bytes.readUInt8(0)}`);
  const control = bytes.readUInt16LE(2);
  // An absolute descriptor holds pointers, which mean nothing once sent over the wire.
  if (!(control & SE_SELF_RELATIVE)) throw malformed('not self-relative');
  const sidAt = (offset: number) => (offset ? readSid(bytes, offset).sid : null);
  const daclOffset = bytes.readUInt32LE(16);
  return {
    control,
    owner: sidAt(bytes.readUInt32LE(4)),
    group: sidAt(bytes.readUInt32LE(8)),
    dacl: control & SE_DACL_PRESENT && daclOffset ? parseAcl(bytes, daclOffset) : null,
  };
}

/** The ACEs of the ACL at `offset`. */
function parseAcl(bytes: Buffer, offset: number): Ace[] {
  need(bytes, offset, ACL_HEADER_BYTES, 'ACL header');
  const size = bytes.readUInt16LE(offset + 2);
  const count = bytes.readUInt16LE(offset + 4);
  need(bytes, offset, size, 'ACL');
  const aces: Ace[] = [];
  let at = offset + ACL_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    need(bytes, at, 4, `ACE ${i} header`);
    const aceSize = bytes.readUInt16LE(at + 2);
    if (aceSize < 8 || at + aceSize > offset + size) throw malformed(`ACE ${i} has size ${aceSize}`);
    aces.push(parseAce(bytes.subarray(at, at + aceSize), i));
    at += aceSize;
  }
  return aces;
}

function parseAce(ace: Buffer, index: number): Ace {
  const type = ace.readUInt8(0);
  const flags = ace.readUInt8(1);
  const mask = ace.readUInt32LE(4);
  const object = type === ACCESS_ALLOWED_OBJECT_ACE_TYPE || type === ACCESS_DENIED_OBJECT_ACE_TYPE;
  const kind: AceKind =
    type === ACCESS_ALLOWED_ACE_TYPE || type === ACCESS_ALLOWED_OBJECT_ACE_TYPE
      ? 'allow'
      : type === ACCESS_DENIED_ACE_TYPE || type === ACCESS_DENIED_OBJECT_ACE_TYPE
        ? 'deny'
        : 'other';
  if (kind === 'other') {
    // Audit, alarm and callback ACEs have layouts of their own; their trustee is not needed.
    return { type, kind, flags, mask, sid: '', objectType: null, inheritedObjectType: null };
  }
  let at = 8;
  let objectType: string | null = null;
  let inheritedObjectType: string | null = null;
  if (object) {
    need(ace, at, 4, `object ACE ${index} flags`);
    const present = ace.readUInt32LE(at);
    at += 4;
    const guid = (what: string) => {
      need(ace, at, 16, `object ACE ${index} ${what}`);
      const text = guidToString(ace.subarray(at, at + 16));
      at += 16;
      return text;
    };
    if (present & ACE_OBJECT_TYPE_PRESENT) objectType = guid('ObjectType');
    if (present & ACE_INHERITED_OBJECT_TYPE_PRESENT) inheritedObjectType = guid('InheritedObjectType');
  }
  return { type, kind, flags, mask, sid: readSid(ace, at).sid, objectType, inheritedObjectType };
}

function readSid(bytes: Buffer, offset: number): { sid: string; size: number } {
  need(bytes, offset, 8, 'SID');
  const size = 8 + 4 * bytes.readUInt8(offset + 1);
  need(bytes, offset, size, 'SID');
  return { sid: sidToString(bytes.subarray(offset, offset + size)), size };
}

function need(bytes: Buffer, offset: number, length: number, what: string): void {
  if (offset + length > bytes.length) throw malformed(`the ${what} runs past the end (${offset}+${length} > ${bytes.length})`);
}

function malformed(reason: string): RangeError {
  return new RangeError(`malformed security descriptor: ${reason}`);
}

/** What encodeSecurityDescriptor writes: a DACL (or none), and optionally owner and group. */
export interface DescriptorParts {
  control?: number;
  owner?: string | null;
  group?: string | null;
  dacl: Omit<Ace, 'kind'>[] | null;
}

/**
 * The inverse of parseSecurityDescriptor for allowed/denied (object) ACEs, laid out as AD lays
 * it out (DACL first, then owner and group). Latchkey never writes descriptors; this builds
 * exact test descriptors (deny, inherit-only, object types) in the format the DC sends.
 */
export function encodeSecurityDescriptor(parts: DescriptorParts): Buffer {
  const dacl = parts.dacl ? encodeAcl(parts.dacl) : null;
  const owner = parts.owner ? sidToBytes(parts.owner) : null;
  const group = parts.group ? sidToBytes(parts.group) : null;
  const control = (parts.control ?? 0) | SE_SELF_RELATIVE | (dacl ? SE_DACL_PRESENT : 0);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(1, 0);
  header.writeUInt16LE(control, 2);
  let at = HEADER_BYTES;
  const place = (part: Buffer | null, field: number) => {
    if (!part) return;
    header.writeUInt32LE(at, field);
    at += part.length;
  };
  place(dacl, 16);
  place(owner, 4);
  place(group, 8);
  return Buffer.concat([header, ...[dacl, owner, group].filter((part): part is Buffer => part !== null)]);
}

function encodeAcl(aces: Omit<Ace, 'kind'>[]): Buffer {
  const body = Buffer.concat(aces.map(encodeAce));
  const header = Buffer.alloc(ACL_HEADER_BYTES);
  header.writeUInt8(ACL_REVISION_DS, 0);
  header.writeUInt16LE(ACL_HEADER_BYTES + body.length, 2);
  header.writeUInt16LE(aces.length, 4);
  return Buffer.concat([header, body]);
}

function encodeAce(ace: Omit<Ace, 'kind'>): Buffer {
  const object = ace.type === ACCESS_ALLOWED_OBJECT_ACE_TYPE || ace.type === ACCESS_DENIED_OBJECT_ACE_TYPE;
  if (!object && (ace.objectType || ace.inheritedObjectType)) throw new RangeError('only object ACEs carry GUIDs');
  const parts: Buffer[] = [];
  const mask = Buffer.alloc(4);
  mask.writeUInt32LE(ace.mask >>> 0, 0);
  parts.push(mask);
  if (object) {
    const present = Buffer.alloc(4);
    present.writeUInt32LE((ace.objectType ? ACE_OBJECT_TYPE_PRESENT : 0) | (ace.inheritedObjectType ? ACE_INHERITED_OBJECT_TYPE_PRESENT : 0), 0);
    parts.push(present);
    if (ace.objectType) parts.push(guidToBytes(ace.objectType));
    if (ace.inheritedObjectType) parts.push(guidToBytes(ace.inheritedObjectType));
  }
  parts.push(sidToBytes(ace.sid));
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(4);
  header.writeUInt8(ace.type, 0);
  header.writeUInt8(ace.flags, 1);
  header.writeUInt16LE(4 + body.length, 2);
  return Buffer.concat([header, body]);
}
