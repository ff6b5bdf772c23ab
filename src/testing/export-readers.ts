/** Reading exported audit files back with independent readers (csv-parse, exceljs, pdfjs), and collecting a stream in memory. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** A Writable that keeps what it is given. */
export function collector() {
  const chunks: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { output, bytes: () => Buffer.concat(chunks) };
}

/** The CSV's records, header included. */
export function readCsv(file: Buffer): string[][] {
  return parse(file, { bom: true }) as string[][];
}

/** The workbook's cells as text (dates in ISO 8601), with the first sheet for closer looks. */
export async function readXlsx(file: Buffer): Promise<{ sheet: ExcelJS.Worksheet; rows: string[][] }> {
  const workbook = new ExcelJS.Workbook();
  // exceljs declares its own Buffer (an ArrayBuffer); it reads Node's Buffers all the same.
  await workbook.xlsx.load(file as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  assert.ok(sheet, 'the workbook has a sheet');
  const rows: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row) => {
    const cells: string[] = [];
    for (let column = 1; column <= sheet.columnCount; column++) {
      const { value } = row.getCell(column);
      cells.push(value instanceof Date ? value.toISOString() : value === null || value === undefined ? '' : String(value));
    }
    rows.push(cells);
  });
  return { sheet, rows };
}

/** The text items of each page, in the order pdfjs reads them. */
export async function readPdf(file: Buffer): Promise<string[][]> {
  const loading = getDocument({ data: new Uint8Array(file), verbosity: 0 });
  const document = await loading.promise;
  try {
    const pages: string[][] = [];
    for (let number = 1; number <= document.numPages; number++) {
      const content = await (await document.getPage(number)).getTextContent();
      pages.push(content.items.flatMap((item) => ('str' in item && item.str.trim() !== '' ? [item.str] : [])));
    }
    return pages;
  } finally {
    await loading.destroy();
  }
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Asserts that an exported `file` holds exactly `rows` (header first), in the way of its format.
 * A PDF has no cells to read back: its times and marks (details of the form n123), read in page
 * order, show that every row is there, once, in order, and that no other is.
 */
export async function assertExported(format: 'csv' | 'xlsx' | 'pdf', file: Buffer, rows: string[][], pdf: { times: string[]; marks: string[] }): Promise<void> {
  if (format === 'csv') {
    assert.deepEqual(readCsv(file), rows);
  } else if (format === 'xlsx') {
    // XML keeps no CR: a line break in a cell is a lone LF, as spreadsheets store it.
    assert.deepEqual(
      (await readXlsx(file)).rows,
      rows.map((row) => row.map((cell) => cell.replace(/\r\n?/g, '\n'))),
    );
  } else {
    const items = (await readPdf(file)).flat();
    assert.deepEqual(
      items.filter((item) => ISO_TIME.test(item)),
      pdf.times,
    );
    assert.deepEqual(
      items.filter((item) => /^n\d+$/.test(item)),
      pdf.marks,
    );
  }
}
