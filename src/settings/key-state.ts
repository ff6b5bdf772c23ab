/**
 * What the database knows of the master keys, never the keys themselves: which key new values
 * are sealed with (the active one), which key a rotation under way moves to (the next one), and
 * which keys each running instance holds. New values stay under the active key until every
 * running instance holds the next one, so an instance still on the old key file never meets a
 * value it cannot open.
 */
import { hostname } from 'node:os';
import { createError } from '../errors.ts';
import type { Settings } from '../store/settings.ts';
import { type KeyRing, keyIdOf } from './key-ring.ts';

export const RotationUnderWay = createError<{ next: string }>(
  'LK_MASTER_KEY_ROTATION_UNDER_WAY',
  (d) =>
    `A rotation to master key ${d.next} is under way and this host holds that key already. ` +
    'Copy the key file to every instance (or set LATCHKEY_MASTER_KEY there as printed), then finish with `latchkey rotate-master-key --retire`.',
  409,
);

export const NoRotation = createError(
  'LK_MASTER_KEY_NO_ROTATION',
  'No master-key rotation is under way, so there is nothing to retire. Start one with `latchkey rotate-master-key`.',
  409,
);

export const NextKeyAbsent = createError<{ next: string; source: string }>(
  'LK_MASTER_KEY_NEXT_KEY_ABSENT',
  (d) =>
    `The rotation moves to master key ${d.next}, which ${d.source} does not hold. ` +
    'Run --retire on the host where `latchkey rotate-master-key` ran, or copy its key file here (or set LATCHKEY_MASTER_KEY as it printed) first.',
  409,
);

export const NextKeyNotEverywhere = createError<{ next: string; instances: string }>(
  'LK_MASTER_KEY_NOT_EVERYWHERE',
  (d) =>
    `Running instances do not hold the new master key ${d.next} yet: ${d.instances}. Nothing was changed. ` +
    'Copy the key file from the host where `latchkey rotate-master-key` ran to each of them (a running instance reads it within seconds), ' +
    'or set LATCHKEY_MASTER_KEY there as it printed and restart it; then run --retire again. An instance that was stopped drops out of this list after 90 seconds.',
  409,
);

/** The settings row of the database's key state. */
export const KEY_STATE_KEY = 'master-keys';
const HOLDER_PREFIX = 'key-holder:';
/** How often a running instance says again which keys it holds. */
export const HOLDER_REPORT_MS = 30_000;
/** An instance not heard from for this long is taken as stopped. */
export const HOLDER_LIVE_MS = 90_000;

/** The database's record of the master keys (ids only). */
export interface KeyState {
  /** The key new values are sealed with. */
  active: string;
  /** The key a rotation under way moves to; null when none is. */
  next: string | null;
}

/** What one running instance said of its keys. */
export interface KeyHolder {
  instance: string;
  host: string;
  pid: number;
  /** The ids its key source holds (what it would hold after a restart too). */
  keys: string[];
  seenAt: number;
}

/**
 * The key state, recorded first when the database has none (a database from before key rings):
 * the active key is the one its newest secret is sealed with, or the ring's newest for a
 * database without secrets.
 */
export async function keyState(store: Settings, ring: KeyRing, now: number): Promise<KeyState> {
  const stored = await store.get(KEY_STATE_KEY);
  if (stored) return stored.value as KeyState;
  const secrets = (await store.all()).filter((row) => row.secret).sort((a, b) => a.updatedAt - b.updatedAt);
  const newest = secrets.at(-1);
  const state: KeyState = { active: (newest && keyIdOf(newest.value as string)) || ring.keys.at(-1)!.id, next: null };
  await store.set(KEY_STATE_KEY, state, { by: 'latchkey', now });
  return state;
}

/** Records that the instance `instance` (this process) holds `keys` in its source. */
export async function reportHolder(store: Settings, instance: string, keys: KeyRing, now: number): Promise<void> {
  const holder: Omit<KeyHolder, 'seenAt' | 'instance'> = { host: hostname(), pid: process.pid, keys: keys.keys.map((key) => key.id) };
  await store.set(`${HOLDER_PREFIX}${instance}`, holder, { by: 'latchkey', now });
}

/** Forgets the instance `instance` (it stops). */
export async function withdrawHolder(store: Settings, instance: string): Promise<void> {
  await store.remove(`${HOLDER_PREFIX}${instance}`);
}

/** The instances heard from within HOLDER_LIVE_MS of `now`. */
export async function liveHolders(store: Settings, now: number): Promise<KeyHolder[]> {
  return (await store.all())
    .filter((row) => row.key.startsWith(HOLDER_PREFIX) && row.updatedAt > now - HOLDER_LIVE_MS)
    .map((row) => ({ ...(row.value as Omit<KeyHolder, 'seenAt' | 'instance'>), instance: row.key.slice(HOLDER_PREFIX.length), seenAt: row.updatedAt }));
}

/** Refuses (LK_MASTER_KEY_NOT_EVERYWHERE) when a live instance's source lacks `next`. */
export function requireEverywhere(holders: readonly KeyHolder[], next: string): void {
  const lacking = holders.filter((holder) => !holder.keys.includes(next));
  if (lacking.length)
    throw NextKeyNotEverywhere({ next, instances: lacking.map((holder) => `${holder.host} (pid ${holder.pid}, holds ${holder.keys.join(', ')})`).join('; ') });
}
