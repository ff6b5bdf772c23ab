/**
 * What `latchkey doctor` asks the directory besides the Directory port: facts about the
 * connection and the service account's own rights, read without changing anything. The doctor
 * depends on this interface; the flows never see it.
 */
import type { DirectoryUser } from './directory.ts';

/** A user inside a search base and the attributes the service account may write on it. */
export interface WritableAttributes {
  dn: string;
  /** allowedAttributesEffective, as the DC computes it for the service account. */
  attributes: string[];
  /** Whether the service account may read the user's badPwdCount (the lockout guard needs it). */
  lockoutCountReadable: boolean;
}

/** The doctor's questions to the directory; none of them changes it. */
export interface DirectoryDiagnostics {
  /**
   * Connects to the DC at `url` with the configured trust and binds anonymously (no credential
   * is sent): proves the DC answers over TLS with a certificate Latchkey trusts.
   */
  checkServer(url: string): Promise<void>;
  /** The service account's own entry, wherever it is in the domain; null when the DC does not show it to the account. */
  serviceAccount(): Promise<DirectoryUser | null>;
  /** The SIDs of every security group of `user`, nested and primary included (tokenGroups). */
  tokenGroups(user: DirectoryUser): Promise<string[]>;
  /**
   * The DACL part of `dn`'s nTSecurityDescriptor (self-relative bytes, owner, group and SACL
   * left out), or null when the service account may not read it.
   */
  securityDescriptor(dn: string): Promise<Buffer | null>;
  /** A user in `base` (not a protected one) and what the service account may write on it; null when the base holds none. */
  writableAttributes(base: string): Promise<WritableAttributes | null>;
  /**
   * The domain head and every OU and container under it, each with its DACL as
   * securityDescriptor returns it (null when the service account may not read it).
   */
  containerDescriptors(): Promise<ContainerDescriptor[]>;
  /** The schemaIDGUIDs of the named attributes or classes (lower-cased lDAPDisplayName → GUID); unknown names are left out. */
  schemaGuids(names: readonly string[]): Promise<Map<string, string>>;
  /** What GUIDs of ACEs stand for: attributes, classes, property sets and extended rights, by name (unknown ones left out). */
  guidNames(guids: readonly string[]): Promise<Map<string, string>>;
  /** The sAMAccountNames of the domain's accounts and groups with these SIDs (unknown ones left out). */
  sidNames(sids: readonly string[]): Promise<Map<string, string>>;
}

/** A container of the domain and its DACL bytes. */
export interface ContainerDescriptor {
  dn: string;
  descriptor: Buffer | null;
}
