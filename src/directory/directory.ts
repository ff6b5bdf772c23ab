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
  /**
   * badPwdCount as this DC keeps it (not replicated): wrong passwords counted toward the lockout.
   * AD leaves the stored value as it is when the observation window passes; see lastBadPasswordAt.
   */
  badPasswordCount: number;
  /** badPasswordTime: the last wrong password this DC saw; null when none. */
  lastBadPasswordAt: Date | null;
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

/** `held`: the bind kept for a change of the password just proven, when asked for. */
export type BindOutcome = { ok: true; held?: HeldBind } | { ok: false; reason: BindFailure };

/**
 * A connection bound as a user whose password was just proven, kept for changing that password
 * (one TLS handshake and one bind instead of two). It closes itself after its change, on
 * release, or unused after a while; a change after that opens a new connection.
 */
export interface HeldBind {
  /** Changes the proven password to `newPassword` on the held connection, as changePassword does. */
  changePassword(newPassword: string): Promise<WriteReceipt>;
  /** Closes the connection without changing anything (nothing happens when it is closed already). */
  release(): Promise<void>;
}

/** A group the user belongs to, directly or through other groups. */
export interface GroupMembership {
  dn: string;
  name: string;
  sid: string;
  /** A member of this group itself (member attribute or primary group), not only by nesting. */
  direct: boolean;
}

/**
 * A group named in the settings, pinned to what nobody can forge by creating a group of the same
 * name elsewhere: its SID. The DN is for display and may go stale after a move or rename.
 */
export interface GroupIdentity {
  sid: string;
  dn: string;
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
  /** The DC lists the server-side sort control (1.2.840.113556.1.4.473); AD and Samba do. */
  serverSideSort: boolean;
}

export interface UserSearchOptions {
  /** Subtrees to search, each in full; a user outside all of them is never returned. */
  bases: string[];
  /** Users per page, clamped to 1..200. */
  limit: number;
  /** The `next` of the previous page: this page starts after that sAMAccountName. */
  after?: string;
}

/** One page of a user search, in sAMAccountName order (case-insensitive). */
export interface UserPage {
  users: DirectoryUser[];
  /** The `after` that gives the following page; null on the last page. */
  next: string | null;
}

/** An enabled account whose password can expire, as the expiry reminders read it. */
export interface PasswordExpiry {
  guid: string;
  dn: string;
  samAccountName: string;
  displayName: string | null;
  mail: string | null;
  mobile: string | null;
  /** pwdLastSet as the DC gives it (FILETIME text): it names the password, a new one has a new value. */
  passwordSet: string;
  /** When it expires under the account's resultant policy (fine-grained or the domain's). */
  expiresAt: Date;
}

export interface ExpiryScanOptions {
  /** Subtrees to scan (default: the configured search bases, or the whole domain). */
  bases?: string[];
  /** Entries per page the DC is asked for (default 500). */
  pageSize?: number;
  /** Connections the accounts are read over at once, each a share of them (default 2). */
  connections?: number;
}

export interface ResetOptions {
  /** Set "must change password at next logon" in the same write. */
  mustChange?: boolean;
  /** Clear a lockout in the same write (a reset also unlocks). Default true. */
  unlock?: boolean;
}

/** How a write that succeeded got there. */
export interface WriteReceipt {
  /** The answer was lost with the connection; read again, the account showed the write made. */
  confirmedAfterDrop: boolean;
}

/**
 * The directory as the flows see it. Every failure is a LatchkeyError with a stable code.
 * When a write's answer is lost (the connection drops or times out after the request was sent),
 * the write methods find out from the same DC whether it was made: made, they return a receipt
 * saying so; not made, they throw LK_DIRECTORY_UNREACHABLE as for a write that never left; when
 * the DC cannot tell or cannot be asked, LK_WRITE_OUTCOME_UNKNOWN.
 */
export interface Directory {
  /** What the DC told about itself (cached after the first call). */
  domain(): Promise<DomainInfo>;
  /** Finds a user by sAMAccountName, UPN or DOMAIN\name inside the configured bases; null if none. */
  findUser(accountName: string, domain?: string): Promise<DirectoryUser | null>;
  /**
   * Reads a user again by objectGUID, inside the configured search bases or inside `bases` when
   * given (the helpdesk looks in the whole domain, then checks its own scopes); null if gone.
   */
  getUser(guid: string, bases?: string[]): Promise<DirectoryUser | null>;
  /**
   * Checks a password by binding as the user. Never throws for a wrong password. With `hold`, a
   * successful bind is kept for a change of that password (the outcome's `held`; release it).
   */
  verifyPassword(user: DirectoryUser, password: string, options?: { hold?: boolean }): Promise<BindOutcome>;
  /** Sets a new password as the service account (and unlocks, unless told not to). */
  resetPassword(user: DirectoryUser, newPassword: string, options?: ResetOptions): Promise<WriteReceipt>;
  /** Clears a lockout (lockoutTime = 0). */
  unlock(user: DirectoryUser): Promise<WriteReceipt>;
  /** Sets or clears "must change password at next logon". */
  setMustChange(user: DirectoryUser, mustChange: boolean): Promise<WriteReceipt>;
  /** Changes a password the user knows, as the user (the DC checks the old one). */
  changePassword(user: DirectoryUser, oldPassword: string, newPassword: string): Promise<WriteReceipt>;
  /** The password rules that apply to the user (fine-grained when one applies), or the domain's. */
  passwordPolicy(user?: DirectoryUser): Promise<PasswordPolicy>;
  /** Whether the account is privileged (adminCount or a protected group, transitively). */
  protection(user: DirectoryUser): Promise<Protection>;
  /** All groups of the user, transitively, with the direct ones marked. */
  groupsOf(user: DirectoryUser): Promise<GroupMembership[]>;
  /**
   * The one group `reference` names anywhere in the domain: a DN, a SID, or a name (cn or
   * sAMAccountName, any case). LK_GROUP_NOT_FOUND when none matches, LK_GROUP_AMBIGUOUS naming
   * every DN when several do: a name is never settled by picking one.
   */
  resolveGroup(reference: string): Promise<GroupIdentity>;
  /**
   * For the helpdesk: people in `options.bases` whose sAMAccountName, displayName, givenName, sn,
   * mail or userPrincipalName starts with `query` (case-insensitive; `*`, `(`, `\` are literal),
   * or whose givenName and sn start with the words before and after a space ("Jo Smi").
   * A page of at most `limit` users, in sAMAccountName order; pass `next` as `after` for the
   * following one. An empty query finds nobody without asking the DC. The DC sorts, and is asked
   * for at most a page (plus the entries that tell where it ends) per base: no user list is ever
   * read in full, however large the domain.
   * The bases are used as given (not narrowed to the configured search bases): they are the
   * caller's authority, e.g. a helpdesk's scopes.
   */
  searchUsers(query: string, options: UserSearchOptions): Promise<UserPage>;
  /**
   * The named attributes of the user as text, each name mapped to its values ([] when absent).
   * Names must be plain attribute names (LK_ATTRIBUTE_NAME_INVALID otherwise, with no request).
   * DN-valued attributes such as manager are given as DNs.
   */
  readAttributes(user: DirectoryUser, attributes: string[]): Promise<Record<string, string[]>>;
  /**
   * Writes profile attributes in one modify as the service account: a string replaces all
   * values with it, null or '' removes them all (not an error when there are none). Account and
   * security attributes (passwords, userAccountControl, pwdLastSet, lockoutTime, names, group
   * memberships, ms-/msDS- attributes ...) are refused with LK_ATTRIBUTE_NOT_EDITABLE before any
   * request. A missing delegation is LK_INSUFFICIENT_RIGHTS naming "Write <attribute>"; a value
   * the DC will not take is LK_ATTRIBUTE_REJECTED.
   */
  updateAttributes(user: DirectoryUser, changes: Record<string, string | null>): Promise<void>;
  /**
   * Every user account in `options.bases`, a page at a time in sAMAccountName order, as
   * searchUsers pages (the DC is asked for little more than a page each time): for work that
   * goes through all accounts, such as enrollment campaigns.
   */
  listUsers(options: UserSearchOptions): Promise<UserPage>;
  /** How many user accounts are in `bases` (default: the configured search bases), e.g. for enrollment coverage. */
  countUsers(bases: string[]): Promise<number>;
  /**
   * Every enabled user whose password can expire, with its expiry from
   * msDS-UserPasswordExpiryTimeComputed (fine-grained policies count), read a page at a time
   * and yielded one by one: memory stays flat however many there are. Disabled accounts,
   * never-expiring ones (by flag or by a policy without a maximum age) and those that must
   * change their password at next logon are left out; expired ones are yielded (expiresAt in the
   * past). A lost connection ends the iteration with LK_DIRECTORY_UNREACHABLE.
   */
  passwordExpiries(options?: ExpiryScanOptions): AsyncIterable<PasswordExpiry>;
  /** Closes the service-account connection. */
  close(): Promise<void>;
}
