/**
 * Exports the audit trail, or the part a filter selects, as CSV, XLSX or PDF. It walks the
 * trail newest first a page at a time (keyset) and writes each page as it arrives, waiting
 * whenever the output is full: memory stays flat however many rows there are.
 */
import { setImmediate } from 'node:timers/promises';
import { type Audit, type AuditFilter, auditPages } from '../store/audit.ts';
import { type AuditColumn, columnLabel, exportColumns } from './export-columns.ts';
import { csvWriter } from './export-csv.ts';
import { AuditExportFormatUnknown } from './export-errors.ts';
import type { ExportWords, FormatWriterFactory } from './export-format.ts';
import { createSink } from './export-sink.ts';

export { AUDIT_COLUMNS, type AuditColumn, DEFAULT_AUDIT_COLUMNS } from './export-columns.ts';
export { AuditExportColumnsInvalid, AuditExportFormatUnknown } from './export-errors.ts';

/** The formats an export can take. */
export const EXPORT_FORMATS = ['csv', 'xlsx', 'pdf'] as const;
/** One of EXPORT_FORMATS. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

interface FormatEntry {
  /** Loaded at the first export: exceljs and pdfkit add ~30 MB to every process that never exports. */
  writer: () => Promise<FormatWriterFactory>;
  contentType: string;
  extension: string;
}

const FORMATS: Readonly<Record<ExportFormat, FormatEntry>> = {
  csv: { writer: async () => csvWriter, contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  xlsx: {
    writer: async () => (await import('./export-xlsx.ts')).xlsxWriter,
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extension: 'xlsx',
  },
  pdf: { writer: async () => (await import('./export-pdf.ts')).pdfWriter, contentType: 'application/pdf', extension: 'pdf' },
};

/** What an export can be asked for besides the filter and the format. */
export interface AuditExportOptions {
  /** The columns, in order; DEFAULT_AUDIT_COLUMNS by default. Checked at run time too (LK_AUDIT_EXPORT_COLUMNS). */
  columns?: readonly AuditColumn[];
  /** Header names by column (those the viewer shows); the others keep their built-in names. */
  headers?: Partial<Record<AuditColumn, string>>;
  /** The PDF's heading and the workbook's title. */
  title?: string;
  /** The clock the PDF's "Generated" line reads, in epoch milliseconds. */
  now?: () => number;
  /** The words around the PDF's table; ENGLISH_WORDS (with ISO 8601 times) by default. */
  words?: ExportWords;
}

const iso = (at: number) => new Date(at).toISOString();

/** The words of an export no one asked for in a language (tests, scripts). */
export const ENGLISH_WORDS: ExportWords = {
  filter: (description) => `Filter: ${description}`,
  generated: (at) => `Generated ${iso(at)} (UTC); newest first.`,
  page: (n) => `Page ${n}`,
  category: (name) => `category ${name}`,
  user: (name) => `user "${name}" (any case)`,
  action: (name) => `action ${name}`,
  outcome: (name) => `outcome ${name}`,
  sourceIp: (address) => `source IP ${address}`,
  from: (at) => `from ${iso(at)}`,
  to: (at) => `to ${iso(at)}`,
  none: 'none (the whole trail)',
};

/** Whether `format` is one of EXPORT_FORMATS (a route can check its parameter with it). */
export function isExportFormat(format: string): format is ExportFormat {
  return Object.hasOwn(FORMATS, format);
}

/** The entry of `format`; a typed caller cannot miss, but a cast query parameter can. */
function formatOf(format: string): FormatEntry {
  if (!isExportFormat(format)) throw AuditExportFormatUnknown({ format, allowed: EXPORT_FORMATS.join(', ') });
  return FORMATS[format];
}

/** The Content-Type of an export in `format`. */
export function contentType(format: ExportFormat): string {
  return formatOf(format).contentType;
}

/** The file name extension of an export in `format`, without the dot. */
export function fileExtension(format: ExportFormat): string {
  return formatOf(format).extension;
}

/**
 * Writes the events matching `filter`, newest first, to `output` as a `format` file and ends
 * `output`. On failure (the database, or the output itself) `output` is destroyed, so that a
 * download breaks off visibly instead of ending in a file that looks complete.
 */
export async function exportAudit(
  audit: Audit,
  filter: AuditFilter,
  format: ExportFormat,
  output: NodeJS.WritableStream,
  options: AuditExportOptions = {},
): Promise<{ rows: number }> {
  // Checked before anything is written, so that a bad request gets a clean error and no file.
  const { writer: loadWriter } = formatOf(format);
  const createWriter = await loadWriter();
  const columns = exportColumns(options.columns);
  const sink = createSink(output);
  let rows = 0;
  try {
    const writer = createWriter(sink, {
      columns,
      headers: columns.map((column) => options.headers?.[column] ?? columnLabel(column)),
      filter,
      title: options.title ?? 'Latchkey audit trail',
      generatedAt: (options.now ?? Date.now)(),
      words: options.words ?? ENGLISH_WORDS,
    });
    for await (const page of auditPages(audit, filter)) {
      await writer.write(page);
      rows += page.length;
      // A turn of the event loop per page: the writers' streams pass their bytes on there (pdfkit
      // starts flowing only on a later tick), and on SQLite, whose queries never wait for I/O,
      // other requests would otherwise wait for the whole export.
      await setImmediate();
      await sink.ready();
    }
    await writer.end();
    await sink.end();
  } catch (error) {
    sink.abort();
    throw error;
  }
  return { rows };
}
