/**
 * The network limits of the staff areas: only the listed client addresses (after trusted
 * proxies) reach /admin and /helpdesk. A refusal is audited in the area's trail, once per
 * address and area within a window, so a scanner cannot flood the trail.
 */
import type { BlockList } from 'node:net';
import type { AuditRecorder } from '../audit/recorder.ts';
import { addressList, listed } from '../security/address-list.ts';

export type StaffArea = 'admin' | 'helpdesk';

/** Repeated refusals of one address in one area are audited once within this. */
export const REFUSAL_AUDIT_WINDOW_MS = 5 * 60_000;
/** Addresses remembered for that; past it they are audited again. */
const MAX_REMEMBERED = 10_000;

export interface NetworkGateOptions {
  /** Each area's allowed addresses as in force now (empty: every address). */
  allowFrom: Record<StaffArea, () => readonly string[]>;
  audit: Record<StaffArea, AuditRecorder>;
  now(): number;
}

/** Whether `ip` may enter `area`; a refusal is audited (see REFUSAL_AUDIT_WINDOW_MS). */
export type NetworkGate = (area: StaffArea, ip: string) => Promise<boolean>;

export function networkGate({ allowFrom, audit, now }: NetworkGateOptions): NetworkGate {
  // The lists change only when settings are saved: one BlockList per list.
  const lists = new WeakMap<readonly string[], BlockList>();
  const lastAudited = new Map<string, number>();
  const listOf = (entries: readonly string[]) => {
    let list = lists.get(entries);
    if (!list) lists.set(entries, (list = addressList(entries)));
    return list;
  };
  const firstInWindow = (key: string) => {
    const at = now();
    if (at - (lastAudited.get(key) ?? -Infinity) < REFUSAL_AUDIT_WINDOW_MS) return false;
    // Forget the windows that are over; a scan from more addresses than that costs entries, not memory.
    for (const [old, since] of lastAudited) if (at - since >= REFUSAL_AUDIT_WINDOW_MS) lastAudited.delete(old);
    if (lastAudited.size >= MAX_REMEMBERED) lastAudited.clear();
    lastAudited.set(key, at);
    return true;
  };
  return async (area, ip) => {
    const entries = allowFrom[area]();
    if (entries.length === 0 || listed(listOf(entries), ip)) return true;
    if (firstInWindow(`${area} ${ip}`)) {
      await audit[area].record({
        actor: null,
        action: 'network-refused',
        outcome: 'refused',
        sourceIp: ip,
        detail: `/${area}: address not in ${area}.allowFrom`,
      });
    }
    return false;
  };
}
