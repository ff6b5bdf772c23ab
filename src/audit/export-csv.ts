/**
 * CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote or a line
 * break) with a header row and a UTF-8 byte order mark, without which Excel reads UTF-8 as the
 * local code page. Every cell is neutralised against formula injection.
 */
import { stringify } from 'csv-stringify/sync';
import { cellText, neutraliseFormula } from './export-columns.ts';
import type { FormatWriterFactory } from './export-format.ts';

/** Writes an audit export as CSV. */
export const csvWriter: FormatWriterFactory = (sink, { columns, headers }) => {
  let first = true;
  const csv = (records: string[][]) => {
    // csv-stringify quotes on its own record delimiter (CRLF) only; a lone LF or CR must be
    // quoted too, or readers would see a new record there.
    const text = stringify(records, { record_delimiter: 'windows', quoted_match: /[\r\n]/, bom: first });
    first = false;
    return text;
  };
  return {
    write(entries) {
      // One stringify per page: the page is in memory anyway, and per-row calls cost more.
      const records = entries.map((entry) => columns.map((column) => neutraliseFormula(cellText(entry, column))));
      if (first) records.unshift([...headers]);
      sink.write(csv(records));
    },
    async end() {
      // An export that matched nothing still has its header.
      if (first) sink.write(csv([[...headers]]));
    },
  };
};
