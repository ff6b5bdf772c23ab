/**
 * What an audit export shows: its columns, their header labels, and each cell as text. Every
 * format draws on this, so a CSV, a workbook and a PDF of the same filter say the same thing.
 */
import type { AuditEntry } from '../store/audit.ts';
import { AuditExportColumnsInvalid } from './export-errors.ts';

/**
 * The exportable columns in their order, each with its header label. The optional ones (display
 * names, the count of repeats) are left out unless asked for: the admin's export from the viewer
 * asks for those the viewer shows.
 */
export const AUDIT_COLUMNS = [
  { key: 'at', label: 'Time (UTC, ISO 8601)' },
  { key: 'category', label: 'Category' },
  { key: 'actor', label: 'User' },
  { key: 'actorName', label: 'Display name', optional: true },
  { key: 'target', label: 'Target' },
  { key: 'targetName', label: "Target's display name", optional: true },
  { key: 'action', label: 'Action' },
  { key: 'outcome', label: 'Outcome' },
  { key: 'times', label: 'Times', optional: true },
  { key: 'sourceIp', label: 'Source IP' },
  { key: 'detail', label: 'Details' },
] as const satisfies readonly { key: keyof AuditEntry; label: string; optional?: true }[];

/** One of AUDIT_COLUMNS' keys. */
export type AuditColumn = (typeof AUDIT_COLUMNS)[number]['key'];

/** The columns an export has when none are asked for: all but the optional ones, in order. */
export const DEFAULT_AUDIT_COLUMNS: readonly AuditColumn[] = AUDIT_COLUMNS.filter((column) => !('optional' in column)).map((column) => column.key);

const LABELS: ReadonlyMap<string, string> = new Map(AUDIT_COLUMNS.map((column) => [column.key, column.label]));

/** The header label of `column`. */
export function columnLabel(column: AuditColumn): string {
  return LABELS.get(column) ?? column;
}

/**
 * The columns an export shows: DEFAULT_AUDIT_COLUMNS by default, else the ones asked for in the order
 * asked. Checked here because the list usually comes from a form: an unknown or repeated
 * column, or none at all, is refused rather than silently dropped.
 */
export function exportColumns(requested?: readonly string[]): AuditColumn[] {
  if (requested === undefined) return [...DEFAULT_AUDIT_COLUMNS];
  const allowed = AUDIT_COLUMNS.map((column) => column.key).join(', ');
  const refuse = (reason: string) => AuditExportColumnsInvalid({ reason, allowed });
  if (requested.length === 0) throw refuse('no column was chosen');
  const unknown = requested.filter((column) => !LABELS.has(column));
  if (unknown.length > 0) throw refuse(`unknown column ${unknown.map((c) => `"${c}"`).join(', ')}`);
  const repeated = requested.filter((column, i) => requested.indexOf(column) !== i);
  if (repeated.length > 0) throw refuse(`column "${repeated[0]}" is chosen twice`);
  return [...requested] as AuditColumn[];
}

/** The text of one cell: the time in ISO 8601 (UTC), an absent value as ''. */
export function cellText(entry: AuditEntry, column: AuditColumn): string {
  if (column === 'at') return new Date(entry.at).toISOString();
  return String(entry[column] ?? '');
}

/** The characters that make a spreadsheet read a cell as a formula (OWASP's list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * `text` safe to open in a spreadsheet. An audit row can hold what an attacker typed (a user
 * name like `=cmd|' /C calc'!A0`); a leading `'` makes spreadsheets take it as text.
 */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}
