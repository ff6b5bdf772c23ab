/**
 * The audit table's columns as each admin left them: which are hidden and how wide each is.
 * Kept per admin (by objectGUID) among the preferences, not the settings: they change nothing
 * for anyone else and are not audited.
 */
import { z } from 'zod';
import type { AdminContext } from './context.ts';
import type { AdminSession } from './sign-in.ts';

/** The viewer's columns, in their default order. */
export const AUDIT_VIEW_COLUMNS = ['at', 'actor', 'actorName', 'target', 'targetName', 'action', 'outcome', 'times', 'sourceIp', 'detail'] as const;
/** One of AUDIT_VIEW_COLUMNS. */
export type AuditViewColumn = (typeof AUDIT_VIEW_COLUMNS)[number];

/** Hidden until an admin chooses to show them: most auditors know the accounts by their names. */
const HIDDEN_BY_DEFAULT: AuditViewColumn[] = ['actorName', 'targetName'];
/** The narrowest and the widest a column may be saved, in pixels; other widths are ignored. */
const MIN_WIDTH = 40;
const MAX_WIDTH = 2000;
/** The preference's name (src/store/preferences.ts). */
const PREFERENCE = 'audit-columns';

/** What an admin chose for the table: hidden columns and widths in pixels. */
export interface ColumnPreferences {
  hidden: AuditViewColumn[];
  widths: Partial<Record<AuditViewColumn, number>>;
}

/** A change to the table: the columns to show (the chooser; absent: as before) and new widths. */
export interface ColumnChange {
  shown?: readonly AuditViewColumn[];
  widths: Partial<Record<AuditViewColumn, number>>;
}

// A stored value that no longer fits (a column since renamed, say) falls back part by part.
const stored = z.object({
  hidden: z.array(z.enum(AUDIT_VIEW_COLUMNS)).catch(HIDDEN_BY_DEFAULT),
  widths: z.partialRecord(z.enum(AUDIT_VIEW_COLUMNS), z.number()).catch({}),
});

/** Whether `name` is one of AUDIT_VIEW_COLUMNS. */
export function isAuditViewColumn(name: string): name is AuditViewColumn {
  return AUDIT_VIEW_COLUMNS.some((column) => column === name);
}

/** `admin`'s choices; the display names hidden and default widths when none were saved. */
export async function columnPreferences(ctx: Pick<AdminContext, 'store'>, admin: AdminSession): Promise<ColumnPreferences> {
  const parsed = stored.safeParse(await ctx.store.preferences.get(admin.guid, PREFERENCE));
  return parsed.success ? parsed.data : { hidden: [...HIDDEN_BY_DEFAULT], widths: {} };
}

/** Applies `change` to `admin`'s choices and keeps them; widths out of 40..2000 px are ignored. */
export async function saveColumnPreferences(ctx: Pick<AdminContext, 'store' | 'now'>, admin: AdminSession, change: ColumnChange): Promise<ColumnPreferences> {
  const preferences = await columnPreferences(ctx, admin);
  const { shown } = change;
  if (shown) preferences.hidden = AUDIT_VIEW_COLUMNS.filter((column) => !shown.includes(column));
  for (const column of AUDIT_VIEW_COLUMNS) {
    const width = change.widths[column];
    if (width !== undefined && Number.isFinite(width) && width >= MIN_WIDTH && width <= MAX_WIDTH) preferences.widths[column] = Math.round(width);
  }
  await ctx.store.preferences.set(admin.guid, PREFERENCE, preferences, ctx.now());
  return preferences;
}
