/**
 * The settings the admin console edits, kept in the database: one row per section, secrets in
 * rows of their own encrypted under the master key. Saving validates the section and names each
 * bad field, writes in one transaction, audits every change (secrets as "changed", never their
 * values) and bumps a version that other instances poll, so a change takes effect everywhere
 * without a restart.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { AuditRecorder } from '../audit/recorder.ts';
import { type RuntimeSection, type RuntimeSettings, runtimeSchema } from '../config/schema.ts';
import { createError } from '../errors.ts';
import type { FieldError } from '../flows/recover.ts';
import type { Tables } from '../store/schema.ts';
import { createSettings, type Settings } from '../store/settings.ts';
import { pinHelpdeskGroups, pinnedIdentity, type ResolveGroup } from './helpdesk-groups.ts';
import type { MasterKey } from './master-key.ts';

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

export type SaveResult = { ok: true; changes: SettingChange[] } | { ok: false; errors: FieldError[] };

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

/** Zod's issues as field errors named by their path inside the section. */
function fieldErrors(issues: z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => {
    const field = issue.path.map(String).join('.') || 'form';
    return { field, code: 'LK_SETTING_INVALID', params: { field, reason: issue.message } };
  });
}

export class SettingsService {
  private settings: RuntimeSettings | null = null;
  private version = -1;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly key: MasterKey,
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
    const store = createSettings(this.db);
    if (!(await store.all()).some((row) => row.key.startsWith('section:'))) await this.importInitial(initial);
    const raw: Record<string, Section> = {};
    const rows = await store.all();
    for (const row of rows) if (row.key.startsWith('section:')) raw[row.key.slice('section:'.length)] = { ...(row.value as Section) };
    for (const row of rows) {
      if (!row.key.startsWith('secret:')) continue;
      const [section, field] = row.key.slice('secret:'.length).split('.') as [string, string];
      raw[section] = { ...(raw[section] ?? {}), [field]: JSON.parse(this.key.decrypt(row.key, row.value as string)) };
    }
    const parsed = runtimeSchema.safeParse(raw);
    if (!parsed.success) throw SettingsMissing({ problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) });
    this.settings = parsed.data;
    this.version = Number((await store.get(VERSION_KEY))?.value ?? 0);
    return parsed.data;
  }

  /** Reloads when another instance (or this one) saved since the last load; true when it did. */
  async refresh(): Promise<boolean> {
    const version = Number((await createSettings(this.db).get(VERSION_KEY))?.value ?? 0);
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
    if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error.issues) };
    if (section === 'helpdesk') {
      const helpdesk = parsed.data as RuntimeSettings['helpdesk'];
      const pinned = await pinHelpdeskGroups(helpdesk.groups, this.current().helpdesk.groups, this.groupResolver());
      if (pinned.errors.length) return { ok: false, errors: pinned.errors };
      return { ok: true, changes: await this.commit(section, { ...helpdesk, groups: pinned.groups }, editor) };
    }
    return { ok: true, changes: await this.commit(section, parsed.data as Section | undefined, editor) };
  }

  /**
   * Pins the stored helpdesk groups that have no SID yet (imported from the config file, or saved
   * before groups were pinned) and stores those it could; returns the names it could not.
   */
  async pinStoredHelpdeskGroups(): Promise<FieldError[]> {
    const helpdesk = this.current().helpdesk;
    if (helpdesk.groups.every(pinnedIdentity)) return [];
    const pinned = await pinHelpdeskGroups(helpdesk.groups, helpdesk.groups, this.groupResolver());
    await this.commit('helpdesk', { ...helpdesk, groups: pinned.groups }, { sam: 'latchkey', guid: null, ip: '-' });
    return pinned.errors;
  }

  private groupResolver(): ResolveGroup {
    if (!this.resolveGroup) throw new Error('this settings service was made without a directory to resolve groups in');
    return this.resolveGroup;
  }

  /** Stores `value` as the whole section (undefined removes it) and audits each changed setting. */
  private async commit(section: RuntimeSection, value: Section | undefined, editor: Editor): Promise<SettingChange[]> {
    const before = (this.current()[section] ?? {}) as Section;
    const after = value ?? {};
    const old = leaves(before, '');
    const changes: SettingChange[] = [];
    for (const [path, value] of leaves(after, '')) {
      if (JSON.stringify(old.get(path)) !== JSON.stringify(value)) {
        changes.push({ path: `${section}.${path}`, secret: isSecret(section, path.split('.')[0]!), old: old.get(path), new: value });
      }
    }
    if (!changes.length) return changes;
    await this.db.transaction().execute(async (trx) => this.write(createSettings(trx), section, value, editor.sam));
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
    await this.load();
    return changes;
  }

  /** `submitted` with each secret left empty filled from the stored section (same provider only). */
  withStoredSecrets(section: RuntimeSection, submitted: Section | null): Section | undefined {
    if (!submitted) return undefined;
    const before = (this.current()[section] ?? {}) as Section;
    const merged = { ...submitted };
    for (const field of SECRET_FIELDS[section] ?? []) {
      if ((merged[field] === undefined || merged[field] === '') && merged.provider === before.provider) merged[field] = before[field];
    }
    return merged;
  }

  /** The server secret (codes, cookies), shared by every instance; made once, at the first start. */
  async serverSecret(): Promise<Buffer> {
    const store = createSettings(this.db);
    const existing = await store.get(SERVER_SECRET_KEY);
    if (existing) return Buffer.from(this.key.decrypt(SERVER_SECRET_KEY, existing.value as string), 'base64');
    const secret = randomBytes(32).toString('base64');
    await store.set(SERVER_SECRET_KEY, this.key.encrypt(SERVER_SECRET_KEY, secret), { secret: true, now: this.now() });
    // Another instance may have written its own at the same moment: the stored one wins.
    return this.serverSecret();
  }

  /** Re-encrypts every secret under `next`, in one transaction; returns how many. */
  async rotate(next: MasterKey): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const store = createSettings(trx);
      let count = 0;
      for (const row of await store.all()) {
        if (!row.secret) continue;
        await store.set(row.key, next.encrypt(row.key, this.key.decrypt(row.key, row.value as string)), { secret: true, by: row.updatedBy, now: this.now() });
        count++;
      }
      return count;
    });
  }

  private async importInitial(initial: Record<string, unknown>): Promise<void> {
    const parsed = runtimeSchema.safeParse(initial);
    if (!parsed.success) throw SettingsMissing({ problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) });
    await this.db.transaction().execute(async (trx) => {
      const store = createSettings(trx);
      for (const [section, value] of Object.entries(parsed.data)) {
        if (value !== undefined) await this.write(store, section as RuntimeSection, value as Section, 'config file', false);
      }
    });
    await this.audit.record({ actor: 'config file', action: 'settings-import', outcome: 'success', sourceIp: '-', detail: 'initial settings taken from the configuration file' });
  }

  /** Writes a section (undefined: removes it): the plain part, each secret encrypted on its own row, a new version. */
  private async write(store: Settings, section: RuntimeSection, value: Section | undefined, by: string, bump = true): Promise<void> {
    const plain: Section = {};
    for (const field of SECRET_FIELDS[section] ?? []) {
      const name = SECRET_KEY(`${section}.${field}`);
      if (value?.[field] === undefined) await store.remove(name);
      else await store.set(name, this.key.encrypt(name, JSON.stringify(value[field])), { secret: true, by, now: this.now() });
    }
    for (const [field, inner] of Object.entries(value ?? {})) if (!isSecret(section, field)) plain[field] = inner;
    if (value === undefined) await store.remove(SECTION_KEY(section));
    else await store.set(SECTION_KEY(section), plain, { by, now: this.now() });
    const version = Number((await store.get(VERSION_KEY))?.value ?? 0);
    await store.set(VERSION_KEY, bump ? version + 1 : version, { by, now: this.now() });
  }
}
