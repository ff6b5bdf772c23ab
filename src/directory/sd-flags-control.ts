/**
 * LDAP_SERVER_SD_FLAGS_OID: which parts of nTSecurityDescriptor a search returns. Without it AD
 * sends owner, group, DACL and SACL, and the SACL needs a privilege a service account lacks, so
 * the attribute comes back empty; asking for the DACL alone needs only READ_CONTROL.
 */
import { Ber, BerWriter, Control } from 'ldapts';

export const SD_FLAGS_OID = '1.2.840.113556.1.4.801';

/** The parts, as SECURITY_INFORMATION bits. */
export const OWNER_SECURITY_INFORMATION = 0x1;
export const GROUP_SECURITY_INFORMATION = 0x2;
export const DACL_SECURITY_INFORMATION = 0x4;
export const SACL_SECURITY_INFORMATION = 0x8;

/**
 * The control with the value SEQUENCE { Flags INTEGER }. Not critical: a DC that ignores it sends
 * the whole descriptor or none, and both are read correctly (none counts as unreadable).
 */
export class SdFlagsControl extends Control {
  constructor(readonly flags: number = DACL_SECURITY_INFORMATION) {
    super(SD_FLAGS_OID, { critical: false });
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(this.flags);
    value.endSequence();
    writer.writeBuffer(value.buffer, Ber.OctetString);
  }
}
