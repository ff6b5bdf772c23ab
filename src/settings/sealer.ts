/**
 * Seals values other than settings (a user's TOTP secret) under the master key: AES-256-GCM with
 * the active key, `name` (which says whose value it is) authenticated with it, so a value moved
 * to another row does not open. What flows see of the master key.
 */
export interface SecretSealer {
  seal(name: string, plaintext: string): Promise<string>;
  open(name: string, sealed: string): Promise<string>;
}
