/**
 * The password-policy-hints control. Sent with a reset by the service account, it asks AD to
 * enforce password history (and minimum age) as if the user changed the password themselves.
 * Only DCs that list it in the rootDSE's supportedControl get it: sent as critical to a DC that
 * does not know it (Samba 4.17 knows neither OID), the reset fails with unavailableCriticalExtension.
 */
import { Ber, BerWriter, Control } from 'ldapts';

/** LDAP_SERVER_POLICY_HINTS_OID (Windows Server 2012 R2 and later). */
export const POLICY_HINTS_OID = '1.2.840.113556.1.4.2239';
/** LDAP_SERVER_POLICY_HINTS_DEPRECATED_OID (Windows Server 2008 R2 / 2012 with a hotfix). */
export const POLICY_HINTS_DEPRECATED_OID = '1.2.840.113556.1.4.2066';

/** The hints OID to use with a DC that lists `supportedControls`, preferring the current one. */
export function choosePolicyHintsOid(supportedControls: readonly string[]): string | null {
  if (supportedControls.includes(POLICY_HINTS_OID)) return POLICY_HINTS_OID;
  if (supportedControls.includes(POLICY_HINTS_DEPRECATED_OID)) return POLICY_HINTS_DEPRECATED_OID;
  return null;
}

/** The control, critical, with the value SEQUENCE { Flags INTEGER (1: enforce) }. */
export class PolicyHintsControl extends Control {
  constructor(oid: string) {
    super(oid, { critical: true });
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(1);
    value.endSequence();
    writer.writeBuffer(value.buffer, Ber.OctetString);
  }
}

/** The controls to send with a reset to a DC whose hints OID (if any) is `policyHintsOid`. */
export function resetControls(policyHintsOid: string | null): Control[] {
  return policyHintsOid ? [new PolicyHintsControl(policyHintsOid)] : [];
}
