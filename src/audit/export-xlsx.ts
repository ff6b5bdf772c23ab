/**
 * XLSX through exceljs's streaming writer: each row is committed (turned into XML and handed
 * to the zip) as soon as it is added, so the workbook is never held whole. A bold, frozen
 * header row with a filter, the time as a real date cell (UTC), text cells never formulas.
 */
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import type { AuditEntry } from '../store/audit.ts';
import { type AuditColumn, cellText, neutraliseFormula } from './export-columns.ts';
import type { FormatWriterFactory } from './export-format.ts';

/** Column widths in characters: the time and most names fit; Details is the catch-all. */
const WIDTHS: Readonly<Record<AuditColumn, number>> = {
  at: 24,
  category: 13,
  actor: 24,
  actorName: 28,
  target: 24,
  targetName: 28,
  times: 8,
  action: 20,
  outcome: 10,
  sourceIp: 20,
  detail: 60,
};

/** Excel's own notation, so that the cell stays a date a spreadsheet can sort and compute with. */
const TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss.000';

/** Writes an audit export as an XLSX workbook of one sheet. */
export const xlsxWriter: FormatWriterFactory = (sink, { columns, headers, title, generatedAt }) => {
  const zip = new PassThrough();
  zip.on('data', (chunk: Buffer) => sink.write(chunk));
  // No shared strings: their table stays in memory until the end, growing with every row.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: zip, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Latchkey';
  workbook.title = title;
  workbook.created = new Date(generatedAt);
  const sheet = workbook.addWorksheet('Audit trail', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((key, i) => ({
    key,
    header: headers[i] ?? key,
    width: WIDTHS[key],
    style: key === 'at' ? { numFmt: TIME_FORMAT } : {},
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  const backlog = sheetBacklog(sheet);
  let lastRow = 1;
  return {
    async write(entries) {
      for (const entry of entries) sheet.addRow(columns.map((column) => cellValue(entry, column))).commit();
      lastRow += entries.length;
      // exceljs hands the sheet's XML on without regard to backpressure: wait here until the
      // zip has compressed it, or a fast database would pile XML up ahead of a slow deflate.
      if (backlog._writableState.needDrain) await new Promise<void>((resolve) => backlog.once('drain', resolve));
    },
    async end() {
      sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: lastRow, column: columns.length } };
      sheet.commit();
      await workbook.commit();
      // commit() resolves when the zip has ended; its last bytes may still be on their way out.
      await finished(zip);
    },
  };
};

/**
 * A cell's value: the time as a date, absent as an empty cell, text neutralised. Line breaks
 * become LF here because XML readers turn a raw CR into LF anyway: what is written is what
 * a spreadsheet reads.
 */
function cellValue(entry: AuditEntry, column: AuditColumn): Date | string | null {
  if (column === 'at') return new Date(entry.at);
  const text = cellText(entry, column);
  return text === '' ? null : neutraliseFormula(text).replace(/\r\n?/g, '\n');
}

/** The part of a Writable the backlog check reads; every version of Node's streams has it. */
interface Backlog {
  readonly _writableState: { readonly needDrain: boolean };
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * The stream archiver reads the sheet's XML from (exceljs's sheet stream pipes into it). This
 * reaches into exceljs 4, so a version that changes it fails here, loudly, at the first export.
 */
function sheetBacklog(sheet: ExcelJS.Worksheet): Backlog {
  const internals = sheet as unknown as { stream?: { pipes?: Partial<Backlog>[] } };
  const target = internals.stream?.pipes?.[0];
  if (typeof target?._writableState?.needDrain !== 'boolean' || typeof target.once !== 'function') {
    throw new Error('exceljs no longer pipes a worksheet into a stream whose backlog can be watched; see src/audit/export-xlsx.ts');
  }
  return target as Backlog;
}
