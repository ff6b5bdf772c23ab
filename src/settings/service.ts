/**
 * The settings the admin console edits, kept in the database: one row per section, secrets in
 * rows of their own encrypted under the master key. Saving validates the section and names each
 * bad field, writes in one transaction, audits every change (secrets as "changed", never their
 * values) and bumps a version that other instances poll, so a change takes effect everywhere
 * without a restart.
 *
 * Each secret is opened with the master key whose id it carries and sealed with the key the
 * database names as active (see key-state.ts); a rotation re-encrypts under the next key only
 * once every running instance holds it.
 */
import { randomBytes } from 'node:crypto';

import type { AuditRecorder } from '../audit/recorder.ts';
import { type RuntimeSection, type RuntimeSettings, runtimeSchema } from '../config/schema.ts';
import { createError } from '../errors.ts';
import type { FieldError } from '../field-errors.ts';
import type { Settings, SettingsRows } from '../store/settings.ts';
import { issueFieldErrors } from './issue-errors.ts';
import { type MasterKey, MasterKeyMismatch } from './key-ring.ts';
import {
  HOLDER_REPORT_MS,
  KEY_STATE_KEY,
  keyState,
  liveHolders,
  NextKeyAbsent,
  NoRotation,
  RotationUnderWay,
  reportHolder,
  requireEverywhere,
  withdrawHolder,
} from './key-state.ts';
import type { MasterKeys } from './master-key.ts';
import { type GroupEntry, pinGroups, pinnedIdentity, type ResolveGroup } from './pinned-groups.ts';
import type { SecretSealer } from './sealer.ts';

export const SettingsMissing = createError<{ problems: string[] }>(
  'LK_SETTINGS_MISSING',
  (d) =>
    `The settings in the database are incomplete or invalid:\n${d.problems.map((p) => `  - ${p}`).join('\n')}\n` +
    'At the first start they are taken from the config file: give at least the directory section there.',
  500,
);

/** Settings that are secrets: stored encrypted, never rendered back. */
export const SECRET_FIELDS: Partial<Record<RuntimeSection, readonly string[]>> = {
  directory: ['bindPassword'],
  smtp: ['password'],
  sms: ['authToken', 'headers'],
};

/** Sections whose `groups` name AD groups, pinned to their SIDs when saved. */
const GROUP_SECTIONS = ['helpdesk', 'passwordPolicy', 'factors', 'campaigns'] as const;
type GroupSection = (typeof GROUP_SECTIONS)[number];
const isGroupSection = (section: RuntimeSection): section is GroupSection => GROUP_SECTIONS.some((name) => name === section);

const SECTION_KEY = (section: string) => `section:${section}`;
const SECRET_KEY = (name: string) => `secret:${name}`;
const VERSION_KEY = 'settings-version';
const SERVER_SECRET_KEY = 'server-secret';

/** Who changed settings, for the audit trail. */
export interface Editor {
  sam: string;
  /** null for Latchkey itself. */
  guid: string | null;
  ip: string;
}

/** One changed setting: `old`/`new` are shown in the audit, except for secrets. */
export interface SettingChange {
  path: string;
  secret: boolean;
  old: unknown;
  new: unknown;
}

/**
 * What a save did. `auditFailed` is set when the change was saved but its audit entries could
 * not be written afterwards: the change stands, and the admin must be told so.
 */
export type SaveResult = { ok: true; changes: SettingChange[]; auditFailed?: unknown } | { ok: false; errors: FieldError[] };

type Section = Record<string, unknown>;

function isSecret(section: string, field: string): boolean {
  return (SECRET_FIELDS[section as RuntimeSection] ?? []).includes(field);
}

/** The settings of one section as leaf paths (protection.perIp.max …), for diffs and the audit. */
function leaves(value: unknown, prefix: string, out = new Map<string, unknown>()): Map<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) leaves(inner, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

export class SettingsService implements SecretSealer {
  private settings: RuntimeSettings | null = null;
  private version = -1;
  /** This process among the instances that report their keys. */
  private readonly instance = randomBytes(8).toString('hex');
  private reportedAt: number | null = null;

  constructor(
    /** The settings table (the store's repository); nothing here writes SQL. */
    private readonly rows: SettingsRows,
    private readonly keys: MasterKeys,
    private readonly audit: AuditRecorder,
    private readonly now: () => number,
    /** Where helpdesk group names are resolved when saved (the directory); only the portal saves them. */
    private readonly resolveGroup?: ResolveGroup,
  ) {}

  /** The settings now in force (after load()). */
  current(): RuntimeSettings {
    if (!this.settings) throw new Error('settings are not loaded yet');
    return this.settings;
  }

  /**
   * Loads the settings; on a database without any, imports `initial` (the config file's values)
   * first. Refuses to start with a clear message when something required is missing or invalid,
   * or when the secrets cannot be decrypted with this master key.
   */
  async load(initial: Record<string, unknown> = {}): Promise<RuntimeSettings> {
    const store = this.rows;
    if (!(await store.all()).some((row) => row.key.startsWith('section:'))) await this.importInitial(initial);
    const raw: Record<string, Section> = {};
    const rows = await store.all();
    for (const row of rows) if (row.key.startsWith('section:')) raw[row.key.slice('section:'.length)] = { ...(row.value as Section) };
    for (const row of rows) {
      if (!row.key.startsWith('secret:')) continue;
      const [section, field] = row.key.slice('secret:'.length).split('.') as [string, string];
      raw[section] = { ...(raw[section] ?? {}), [field]: JSON.parse(this.keys.decrypt(row.key, row.value as string)) };
    }
    const parsed = runtimeSchema.safeParse(raw);
    if (!parsed.success) throw SettingsMissing({ problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) });
    this.settings = parsed.data;
    this.version = Number((await store.get(VERSION_KEY))?.value ?? 0);
    return parsed.data;
  }

  /** Reloads when another instance (or this one) saved since the last load; true when it did. */
  async refresh(): Promise<boolean> {
    const version = Number((await this.rows.get(VERSION_KEY))?.value ?? 0);
    if (version === this.version) return false;
    await this.load();
    return true;
  }

  /**
   * Validates and saves one section as the admin submitted it, whole (null removes an optional
   * section). An empty secret keeps the stored one, unless the section changed provider.
   */
  async save(section: RuntimeSection, submitted: Section | null, editor: Editor): Promise<SaveResult> {
    const parsed = runtimeSchema.shape[section].safeParse(this.withStoredSecrets(section, submitted));
    if (!parsed.success) return { ok: false, errors: issueFieldErrors(parsed.error.issues) };
    if (isGroupSection(section) && parsed.data) {
      const value = parsed.data as NonNullable<RuntimeSettings[GroupSection]>;
      const pinned = await pinGroups<GroupEntry>(value.groups, this.current()[section]?.groups ?? [], this.groupResolver());
      if (pinned.errors.length) return { ok: false, errors: pinned.errors };
      return this.commit(section, { ...value, groups: pinned.groups }, editor);
    }
    return this.commit(section, parsed.data as Section | undefined, editor);
  }

  /**
   * Pins the stored groups (helpdesk, password policy, stricter factor rules) that have no SID yet
   * (imported from the config file, or saved before groups were pinned) and stores those it
   * could; returns the names it could not.
   */
  async pinStoredGroups(): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    for (const section of GROUP_SECTIONS) {
      const value = this.current()[section];
      if (!value || value.groups.every(pinnedIdentity)) continue;
      const pinned = await pinGroups<GroupEntry>(value.groups, value.groups, this.groupResolver());
      await this.commit(section, { ...value, groups: pinned.groups }, { sam: 'latchkey', guid: null, ip: '-' });
      errors.push(...pinned.errors.map((error) => ({ ...error, field: `${section}.${error.field}` })));
    }
    return errors;
  }

  private groupResolver(): ResolveGroup {
    if (!this.resolveGroup) throw new Error('this settings service was made without a directory to resolve groups in');
    return this.resolveGroup;
  }

  /** Stores `value` as the whole section (undefined removes it) and audits each changed setting. */
  private async commit(section: RuntimeSection, value: Section | undefined, editor: Editor): Promise<Extract<SaveResult, { ok: true }>> {
    const before = (this.current()[section] ?? {}) as Section;
    const after = value ?? {};
    const old = leaves(before, '');
    const next = leaves(after, '');
    const changes: SettingChange[] = [];
    // Every setting of either side: one that is gone (a section switched off) is a change too.
    for (const path of new Set([...next.keys(), ...old.keys()])) {
      const value = next.get(path);
      if (JSON.stringify(old.get(path)) !== JSON.stringify(value)) {
        changes.push({ path: `${section}.${path}`, secret: isSecret(section, path.split('.')[0]!), old: old.get(path), new: value });
      }
    }
    if (!changes.length) return { ok: true, changes };
    const seen = this.version;
    const written = await this.rows.transaction(async (store) => {
      return this.write(store, await this.sealingKey(store), section, value, editor.sam);
    });
    // Committed: from here on nothing may fail the save. The values are known, so nothing is
    // decrypted again; when another instance saved in between, the next refresh reloads.
    this.settings = { ...this.current(), [section]: value } as RuntimeSettings;
    if (written === seen + 1) this.version = written;
    try {
      for (const change of changes) {
        await this.audit.record({
          actor: editor.sam,
          actorGuid: editor.guid,
          action: 'settings-change',
          outcome: 'success',
          sourceIp: editor.ip,
          detail: change.secret ? `${change.path}: changed` : `${change.path}: ${JSON.stringify(change.old)} → ${JSON.stringify(change.new)}`,
        });
      }
    } catch (error) {
      return { ok: true, changes, auditFailed: error };
    }
    return { ok: true, changes };
  }

  /** `submitted` with each secret left empty filled from the stored section (same provider only). */
  withStoredSecrets(section: RuntimeSection, submitted: Section | null): Section | undefined {
    if (!submitted) return undefined;
    const before = (this.current()[section] ?? {}) as Section;
    const merged = { ...submitted };
    for (const field of SECRET_FIELDS[section] ?? []) {
      // Only a secret that is stored: a key left holding undefined is one the other SMS provider's schema refuses.
      const stored = before[field];
      if ((merged[field] === undefined || merged[field] === '') && merged.provider === before.provider && stored !== undefined) merged[field] = stored;
    }
    return merged;
  }

  /** The server secret (codes, cookies), shared by every instance; made once, at the first start. */
  async serverSecret(): Promise<Buffer> {
    const existing = await this.rows.get(SERVER_SECRET_KEY);
    if (existing) return Buffer.from(this.keys.decrypt(SERVER_SECRET_KEY, existing.value as string), 'base64');
    const secret = randomBytes(32).toString('base64');
    await this.rows.transaction(async (store) => {
      const key = await this.sealingKey(store);
      // Another instance may have written its own meanwhile: the stored one wins.
      if (!(await store.get(SERVER_SECRET_KEY))) await store.set(SERVER_SECRET_KEY, key.encrypt(SERVER_SECRET_KEY, secret), { secret: true, now: this.now() });
    });
    return this.serverSecret();
  }

  /**
   * Seals `plaintext` under the active key. The key state is locked as a save does, so a sealing
   * that meets a rotation's retirement waits for it and then uses the new key.
   */
  async seal(name: string, plaintext: string): Promise<string> {
    return this.rows.transaction(async (store) => (await this.sealingKey(store)).encrypt(name, plaintext));
  }

  /** Opens a value sealed by seal(), with the key whose id it carries. */
  async open(name: string, sealed: string): Promise<string> {
    return this.keys.decrypt(name, sealed);
  }

  /**
   * Starts a rotation to the key `next` (already in this process's key source): the database
   * records it as the next key; values stay sealed with the active key until retireKey().
   */
  async stageKey(next: string): Promise<void> {
    await this.rows.transaction(async (store) => {
      await store.lock(KEY_STATE_KEY);
      const state = await keyState(store, this.keys.ring, this.now());
      // A next key this host lacks belongs to a rotation begun elsewhere and lost: this one replaces it.
      if (state.next && this.keys.key(state.next)) throw RotationUnderWay({ next: state.next });
      await store.set(KEY_STATE_KEY, { active: state.active, next }, { by: 'latchkey (cli)', now: this.now() });
    });
  }

  /**
   * Ends the rotation under way: refuses while a running instance's key source lacks the next
   * key, else re-encrypts every secret under it and makes it the active key, in one transaction
   * that other instances see as a settings change. Returns how many secrets and the new key.
   */
  async retireKey(): Promise<{ rotated: number; active: MasterKey; retired: string }> {
    return this.rows.transaction(async (store, sealedElsewhere) => {
      await store.lock(KEY_STATE_KEY);
      const state = await keyState(store, this.keys.ring, this.now());
      if (!state.next) throw NoRotation({});
      const next = this.keys.key(state.next);
      if (!next) throw NextKeyAbsent({ next: state.next, source: this.keys.source });
      requireEverywhere(await liveHolders(store, this.now()), next.id);
      let rotated = 0;
      for (const row of await store.all()) {
        if (!row.secret) continue;
        await store.set(row.key, next.encrypt(row.key, this.keys.decrypt(row.key, row.value as string)), { secret: true, by: row.updatedBy, now: this.now() });
        rotated++;
      }
      for (const values of sealedElsewhere) {
        for (const { name, sealed } of await values.all()) {
          await values.replace(name, next.encrypt(name, this.keys.decrypt(name, sealed)));
          rotated++;
        }
      }
      await store.set(KEY_STATE_KEY, { active: next.id, next: null }, { by: 'latchkey (cli)', now: this.now() });
      await this.bumpVersion(store, 'latchkey (cli)');
      return { rotated, active: next, retired: state.active };
    });
  }

  /**
   * Tells the other instances which keys this one holds: at the start, when the key file
   * changed (it is read again here), and every HOLDER_REPORT_MS. Records the key state of a
   * database from before key rings on the way.
   */
  async reportKeys(): Promise<void> {
    const changed = this.keys.reload();
    const at = this.now();
    if (!changed && this.reportedAt !== null && at - this.reportedAt < HOLDER_REPORT_MS) return;
    await this.rows.transaction(async (store) => {
      await keyState(store, this.keys.ring, at);
      await reportHolder(store, this.instance, this.keys.inSource, at);
    });
    this.reportedAt = at;
  }

  /** Takes this instance off the list of key holders (it stops). */
  async withdrawKeys(): Promise<void> {
    if (this.reportedAt !== null) await withdrawHolder(this.rows, this.instance);
  }

  /**
   * Inside a write transaction: the key new values are sealed with, as the database names it
   * now. The key state's row is locked first, so a rotation's re-encryption and a save never
   * interleave and a save never seals with a key just retired.
   */
  private async sealingKey(store: Settings): Promise<MasterKey> {
    await store.lock(KEY_STATE_KEY);
    const { active } = await keyState(store, this.keys.ring, this.now());
    const key = this.keys.key(active);
    if (!key) throw MasterKeyMismatch({ keyId: this.keys.id, expected: active });
    return key;
  }

  private async bumpVersion(store: Settings, by: string): Promise<number> {
    const version = Number((await store.get(VERSION_KEY))?.value ?? 0) + 1;
    await store.set(VERSION_KEY, version, { by, now: this.now() });
    return version;
  }

  private async importInitial(initial: Record<string, unknown>): Promise<void> {
    const parsed = runtimeSchema.safeParse(initial);
    if (!parsed.success) throw SettingsMissing({ problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) });
    await this.rows.transaction(async (store) => {
      const key = await this.sealingKey(store);
      for (const [section, value] of Object.entries(parsed.data)) {
        if (value !== undefined) await this.write(store, key, section as RuntimeSection, value as Section, 'config file', false);
      }
    });
    await this.audit.record({
      actor: 'config file',
      action: 'settings-import',
      outcome: 'success',
      sourceIp: '-',
      detail: 'initial settings taken from the configuration file',
    });
  }

  /**
   * Writes a section (undefined: removes it): the plain part, each secret sealed with `key` on
   * its own row, and (with `bump`) a new version, which it returns.
   */
  private async write(store: Settings, key: MasterKey, section: RuntimeSection, value: Section | undefined, by: string, bump = true): Promise<number> {
    const plain: Section = {};
    for (const field of SECRET_FIELDS[section] ?? []) {
      const name = SECRET_KEY(`${section}.${field}`);
      if (value?.[field] === undefined) await store.remove(name);
      else await store.set(name, key.encrypt(name, JSON.stringify(value[field])), { secret: true, by, now: this.now() });
    }
    for (const [field, inner] of Object.entries(value ?? {})) if (!isSecret(section, field)) plain[field] = inner;
    if (value === undefined) await store.remove(SECTION_KEY(section));
    else await store.set(SECTION_KEY(section), plain, { by, now: this.now() });
    if (bump) return this.bumpVersion(store, by);
    const version = Number((await store.get(VERSION_KEY))?.value ?? 0);
    await store.set(VERSION_KEY, version, { by, now: this.now() });
    return version;
  }
}
