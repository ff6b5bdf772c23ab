/**
 * `latchkey rotate-master-key [--retire]`: a new master key in two steps, with every instance
 * running throughout.
 *
 * 1. `rotate-master-key` adds a new key to this host's ring, after the old one (the key file is
 *    rewritten keeping its owner and mode; with LATCHKEY_MASTER_KEY the new value is printed),
 *    and records it in the database as the next key. Values stay sealed with the old key, so an
 *    instance that has only the old key file keeps working, and restarts, as before.
 * 2. Once the new ring is on every instance, `--retire` re-encrypts every secret under the new
 *    key in one transaction (refused while a running instance lacks it), makes it the active
 *    key, and drops the old key from this host's ring.
 */

import { type AuditRecorder, createAuditRecorder } from '../audit/recorder.ts';
import { databaseOptions, masterKeyFile } from '../config/paths.ts';
import type { Config } from '../config/schema.ts';
import { type KeyRing, keyRing, keyRingValue, newMasterKey } from '../settings/key-ring.ts';
import { loadMasterKey, type MasterKeys, writeKeyFile } from '../settings/master-key.ts';
import { SettingsService } from '../settings/service.ts';
import { openStore } from '../store/store.ts';

/** What a step did. */
export interface RotationStep {
  /** Where this host's keys are: the key file, or LATCHKEY_MASTER_KEY. */
  source: string;
  /** The new key's id. */
  keyId: string;
  /** Secrets re-encrypted (0 for the first step: nothing is, yet). */
  rotated: number;
  /** With LATCHKEY_MASTER_KEY: the value to set it to now; null with a key file (rewritten). */
  keyValue: string | null;
}

interface Opened {
  keys: MasterKeys;
  settings: SettingsService;
  audit: AuditRecorder;
  /** Replaces this host's ring: the key file, or the LATCHKEY_MASTER_KEY value to print. */
  replaceRing(ring: KeyRing): string | null;
}

/** Runs `step` with the settings loaded: every secret must open before anything is written. */
async function withSettings(config: Config, env: NodeJS.ProcessEnv, step: (opened: Opened) => Promise<RotationStep>): Promise<RotationStep> {
  const store = await openStore(databaseOptions(config));
  try {
    const file = masterKeyFile(config);
    const keys = loadMasterKey(file, { env });
    const audit = createAuditRecorder(store.audit, 'admin', () => Date.now());
    const settings = new SettingsService(store.settings, keys, audit, () => Date.now());
    await settings.load();
    const fromEnv = Boolean(env.LATCHKEY_MASTER_KEY);
    const replaceRing = (ring: KeyRing) => {
      if (fromEnv) return keyRingValue(ring);
      writeKeyFile(file, ring);
      keys.reload();
      return null;
    };
    return await step({ keys, settings, audit, replaceRing });
  } finally {
    await store.close();
  }
}

const CLI = { actor: 'latchkey (cli)', action: 'key-rotation', sourceIp: '-' } as const;

/** Step 1: a new key beside the old one, recorded as the next key. */
export function rotateMasterKey(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<RotationStep> {
  return withSettings(config, env, async ({ keys, settings, audit, replaceRing }) => {
    const before = keys.inSource;
    const next = newMasterKey();
    const keyValue = replaceRing(keyRing([...before.keys, next]));
    try {
      await settings.stageKey(next.id);
    } catch (error) {
      // Refused (a rotation is under way): the key file is as it was.
      replaceRing(before);
      throw error;
    }
    await audit.record({
      ...CLI,
      outcome: 'success',
      detail: `started: new key ${next.id} added beside ${before.id}; secrets stay under the old key until --retire`,
    });
    return { source: keys.source, keyId: next.id, rotated: 0, keyValue };
  });
}

/** Step 2: every secret under the next key, which becomes the only one of this host's ring. */
export function retireMasterKey(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<RotationStep> {
  return withSettings(config, env, async ({ keys, settings, audit, replaceRing }) => {
    const { rotated, active, retired } = await settings.retireKey();
    const keyValue = replaceRing(keyRing([active]));
    await audit.record({ ...CLI, outcome: 'success', detail: `finished: ${rotated} secrets re-encrypted under ${active.id}; ${retired} retired` });
    return { source: keys.source, keyId: active.id, rotated, keyValue };
  });
}

/** What the first step tells the admin to do next. */
export function rotatedMessage(step: RotationStep): string {
  const retire = 'then run `latchkey rotate-master-key --retire`';
  return step.keyValue
    ? `New master key ${step.keyId}; secrets stay under the old key for now. Set LATCHKEY_MASTER_KEY to this value (both keys) on every instance, ` +
        `restarting them one at a time (each keeps working meanwhile), and here; ${retire}:\n${step.keyValue}\n`
    : `New master key ${step.keyId} added to ${step.source} beside the old one; secrets stay under the old key for now. ` +
        `Copy ${step.source} to every other instance, keeping its owner and mode (a running instance reads it within seconds); ${retire}.\n`;
}

/** What the second step tells the admin. */
export function retiredMessage(step: RotationStep): string {
  return step.keyValue
    ? `${step.rotated} secrets re-encrypted under master key ${step.keyId}; the old key is needed no more. ` +
        `Set LATCHKEY_MASTER_KEY to this value on every instance when convenient, and back it up:\n${step.keyValue}\n`
    : `${step.rotated} secrets re-encrypted under master key ${step.keyId}; the old key is gone from ${step.source}. ` +
        'The copies on other instances still hold it, which no value needs any more: copy this file over them when convenient, and back it up.\n';
}
