/**
 * Fine-grained password policies (PSOs) in the dev domain for tests and benches: one with a
 * given maximum age, applied to given groups, made and removed with the domain administrator's
 * rights (as `samba-tool domain passwordsettings pso create/apply` would, over LDAP).
 */
import { randomBytes } from 'node:crypto';
import { Attribute, type Client } from 'ldapts';
import { devDomain } from './dev-domain.ts';

/** 100 ns ticks per day: AD keeps ages as negative tick counts. */
const TICKS_PER_DAY = 864_000_000_000n;
const THIRTY_MINUTES = -18_000_000_000n;

/**
 * A PSO whose passwords expire `maxAgeDays` after they are set, for members of `groups`. A
 * lower `precedence` wins over the dev domain's own PSO (10). Remove it with removeEntries().
 */
export async function createPso(
  admin: Client,
  { maxAgeDays, groups, precedence = 5 }: { maxAgeDays: number; groups: string[]; precedence?: number },
): Promise<string> {
  const dn = `CN=tpso-${randomBytes(5).toString('hex')},CN=Password Settings Container,CN=System,${devDomain().baseDn}`;
  const values: Record<string, string> = {
    'msDS-PasswordSettingsPrecedence': String(precedence),
    'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
    'msDS-PasswordHistoryLength': '0',
    'msDS-PasswordComplexityEnabled': 'TRUE',
    'msDS-MinimumPasswordLength': '8',
    'msDS-MinimumPasswordAge': '0',
    'msDS-MaximumPasswordAge': String(-BigInt(Math.round(maxAgeDays * 24)) * (TICKS_PER_DAY / 24n)),
    'msDS-LockoutThreshold': '0',
    'msDS-LockoutObservationWindow': String(THIRTY_MINUTES),
    'msDS-LockoutDuration': String(THIRTY_MINUTES),
  };
  await admin.add(dn, [
    new Attribute({ type: 'objectClass', values: ['msDS-PasswordSettings'] }),
    ...Object.entries(values).map(([type, value]) => new Attribute({ type, values: [value] })),
    new Attribute({ type: 'msDS-PSOAppliesTo', values: groups }),
  ]);
  return dn;
}
