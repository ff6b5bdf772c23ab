/**
 * The admin group of the start-up configuration (`admin.group`, a name, DN or SID), pinned to
 * its SID: resolved once, kept in the database, and resolved again only when `admin.group`
 * changes. A group given the same name later, in any OU, then neither opens the console nor
 * makes the name ambiguous at the next start.
 */
import type { AuditRecorder } from '../audit/recorder.ts';
import type { GroupIdentity } from '../directory/directory.ts';
import type { Settings } from '../store/settings.ts';

/** The settings row the pin is kept in. */
export const ADMIN_GROUP_KEY = 'admin-group';

interface Pinned extends GroupIdentity {
  /** `admin.group` as it was when resolved. */
  reference: string;
}

export interface AdminGroupOptions {
  settings: Settings;
  /** `admin.group` from the start-up configuration. */
  reference: string;
  resolve(reference: string): Promise<GroupIdentity>;
  audit: AuditRecorder;
  now(): number;
}

/**
 * The pinned admin group, looked up (and resolved, the first time) on the first call. A failed
 * resolution (unknown or ambiguous name, directory down) is thrown and tried again next call.
 */
export function pinnedAdminGroup(options: AdminGroupOptions): () => Promise<GroupIdentity> {
  let known: GroupIdentity | null = null;
  return async () => {
    if (known) return known;
    const stored = (await options.settings.get(ADMIN_GROUP_KEY))?.value as Pinned | undefined;
    if (stored && pinnedAdminSid(stored, options.reference)) return (known = { sid: stored.sid, dn: stored.dn });
    const identity = await options.resolve(options.reference);
    await options.settings.set(ADMIN_GROUP_KEY, { reference: options.reference, ...identity } satisfies Pinned, { by: 'latchkey', now: options.now() });
    await options.audit.record({
      actor: 'latchkey',
      action: 'group-resolved',
      outcome: 'success',
      sourceIp: '-',
      detail: `admin.group ${JSON.stringify(options.reference)}: ${identity.dn} (${identity.sid})`,
    });
    return (known = identity);
  };
}

/** The SID `reference` is pinned to in a stored pin row's value, or undefined (none, or pinned for another reference). */
export function pinnedAdminSid(stored: unknown, reference: string): string | undefined {
  const pin = stored as Partial<Pinned> | undefined;
  return pin?.reference === reference ? pin.sid : undefined;
}
