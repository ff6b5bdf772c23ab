/**
 * The directory port: everything Latchkey needs from Active Directory, in Latchkey's words.
 * Flows depend on this interface only; `ActiveDirectory` implements it over LDAP.
 */
import type { PasswordPolicy } from './password-policy.ts';

/** The account facts that decide what a user may do and what the portal should tell them. */
export interface AccountState {
  enabled: boolean;
  /** From msDS-User-Account-Control-Computed: true only while the lockout lasts. */
  lockedOut: boolean;
  /** When the current lockout began (null when not locked out). */
  lockedOutSince: Date | null;
  /** "User must change password at next logon" (pwdLastSet = 0). */
  mustChangePassword: boolean;
  /** The password is past its maximum age (not counting must-change). */
  passwordExpired: boolean;
  passwordNeverExpires: boolean;
  passwordLastSet: Date | null;
  /** When the password expires under the resultant policy; null when it never does. */
  passwordExpiresAt: Date | null;
  /** The account's own expiry (accountExpires); null when it never expires. */
  accountExpiresAt: Date | null;
}

/** A user account as read from the directory. */
export interface DirectoryUser {
  /** objectGUID: the stable key for everything Latchkey stores about a user. */
  guid: string;
  sid: string;
  dn: string;
  samAccountName: string;
  userPrincipalName: string | null;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  mobile: string | null;
  /** adminCount = 1: AD's SDProp has (or once had) treated the account as privileged. */
  adminCount: boolean;
  primaryGroupId: number;
  /** Direct group memberships (memberOf), not counting the primary group. */
  memberOf: string[];
  state: AccountState;
}

/** Why a password did not let a user sign in, from AD's bind sub-codes. */
export type BindFailure =
  | 'invalid-credentials' // 52e
  | 'user-not-found' // 525
  | 'logon-hours' // 530
  | 'workstation' // 531
  | 'password-expired' // 532
  | 'disabled' // 533
  | 'account-expired' // 701
  | 'must-change' // 773
  | 'locked'; // 775

export type BindOutcome = { ok: true } | { ok: false; reason: BindFailure };

/** A group the user belongs to, directly or through other groups. */
export interface GroupMembership {
  dn: string;
  name: string;
  sid: string;
  /** A member of this group itself (member attribute or primary group), not only by nesting. */
  direct: boolean;
}

/** Why an account counts as privileged (protected); empty when it does not. */
export interface Protection {
  protected: boolean;
  /** e.g. "adminCount is 1", "member of Domain Admins". */
  reasons: string[];
}

/** What was learned about the domain and its domain controller. */
export interface DomainInfo {
  baseDn: string;
  dnsDomain: string;
  netbiosDomain: string;
  domainSid: string;
  /** OID of the password-policy-hints control the DC supports, or null when it lists neither. */
  policyHintsOid: string | null;
}

export interface ResetOptions {
  /** Set "must change password at next logon" in the same write. */
  mustChange?: boolean;
  /** Clear a lockout in the same write (seed 000: a reset also unlocks). Default true. */
  unlock?: boolean;
}

/** The directory as the flows see it. Every failure is a LatchkeyError with a stable code. */
export interface Directory {
  /** What the DC told about itself (cached after the first call). */
  domain(): Promise<DomainInfo>;
  /** Finds a user by sAMAccountName, UPN or DOMAIN\name inside the configured bases; null if none. */
  findUser(accountName: string, domain?: string): Promise<DirectoryUser | null>;
  /** Reads a user again by objectGUID (inside the configured bases); null if gone. */
  getUser(guid: string): Promise<DirectoryUser | null>;
  /** Checks a password by binding as the user. Never throws for a wrong password. */
  verifyPassword(user: DirectoryUser, password: string): Promise<BindOutcome>;
  /** Sets a new password as the service account (and unlocks, unless told not to). */
  resetPassword(user: DirectoryUser, newPassword: string, options?: ResetOptions): Promise<void>;
  /** Clears a lockout (lockoutTime = 0). */
  unlock(user: DirectoryUser): Promise<void>;
  /** Sets or clears "must change password at next logon". */
  setMustChange(user: DirectoryUser, mustChange: boolean): Promise<void>;
  /** Changes a password the user knows, as the user (the DC checks the old one). */
  changePassword(user: DirectoryUser, oldPassword: string, newPassword: string): Promise<void>;
  /** The password rules that apply to the user (fine-grained when one applies), or the domain's. */
  passwordPolicy(user?: DirectoryUser): Promise<PasswordPolicy>;
  /** Whether the account is privileged (adminCount or a protected group, transitively). */
  protection(user: DirectoryUser): Promise<Protection>;
  /** All groups of the user, transitively, with the direct ones marked. */
  groupsOf(user: DirectoryUser): Promise<GroupMembership[]>;
  /** Closes the service-account connection. */
  close(): Promise<void>;
}
