/**
 * PDF through pdfkit: landscape A4, a title with the filter and the generation time, the
 * header row repeated on every page, cells wrapped within their column (and cut with an
 * ellipsis past a few lines, so one huge value cannot fill pages), "Page N" in every footer.
 * bufferPages is off, so each page is written out as soon as the next one starts.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { openSync } from 'fontkit';
import PDFDocument from 'pdfkit';
import type { AuditFilter } from '../store/audit.ts';
import { type AuditColumn, cellText } from './export-columns.ts';
import type { ExportLayout, ExportWords, FormatWriterFactory } from './export-format.ts';
import { pdfText as coveredText } from './pdf-text.ts';

const MARGIN = 36;
// DejaVu Sans Condensed (narrow enough for a table; a free licence), shipped as a dependency:
// it prints Latin, Greek, Cyrillic, arrows and most symbols, where the PDF standard fonts know
// WinAnsi only. pdfkit embeds the glyphs used.
const fontFile = (name: string) => createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${name}.ttf`);
const FONT = fontFile('DejaVuSansCondensed');
const BOLD = fontFile('DejaVuSansCondensed-Bold');
// Both faces cover the same characters.
const regular = openSync(FONT);
const pdfText = (text: string) => coveredText(text, (code) => regular.hasGlyphForCodePoint(code));
const FONT_SIZE = 7.5;
const PADDING = 2.5;
/** The most lines a cell shows; more is cut with an ellipsis. */
const MAX_LINES = 6;
/** Room kept under the table for the footer. */
const FOOTER = 14;

/** Relative column widths; with fewer columns each gets a larger share of the page. */
const WEIGHTS: Readonly<Record<AuditColumn, number>> = {
  at: 104,
  category: 58,
  actor: 108,
  actorName: 108,
  target: 100,
  targetName: 100,
  times: 36,
  action: 84,
  outcome: 46,
  sourceIp: 90,
  detail: 180,
};

/** Writes an audit export as a PDF table. */
export const pdfWriter: FormatWriterFactory = (sink, layout) => {
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: MARGIN,
    bufferPages: false,
    info: { Title: layout.title, Creator: 'Latchkey', CreationDate: new Date(layout.generatedAt) },
  });
  doc.on('data', (chunk: Buffer) => sink.write(chunk));
  const table = createTable(doc, layout.columns, layout.headers, layout.words.page);
  let page = 1;
  table.footer(page);
  let y = table.header(titleBlock(doc, layout));
  return {
    write(entries) {
      for (const entry of entries) {
        const cells = layout.columns.map((column) => pdfText(cellText(entry, column)));
        const height = table.rowHeight(cells);
        if (y + height > table.bottom) {
          doc.addPage();
          table.footer(++page);
          y = table.header(MARGIN);
        }
        y = table.row(cells, y, height);
      }
    },
    async end() {
      // 'end' comes on a later tick, once the last data has been handed on.
      const ended = once(doc, 'end');
      doc.end();
      await ended;
    },
  };
};

/** Draws the title, the filter and the generation time; returns where the table starts. */
function titleBlock(doc: PDFKit.PDFDocument, { title, filter, generatedAt, words }: ExportLayout): number {
  doc.font(BOLD).fontSize(14).text(pdfText(title), MARGIN, MARGIN);
  doc.font(FONT).fontSize(8.5);
  doc.text(pdfText(words.filter(describeFilter(filter, words))));
  doc.text(pdfText(words.generated(generatedAt)));
  return doc.y + 8;
}

/** The filter in words, for the title. */
function describeFilter(filter: AuditFilter, words: ExportWords): string {
  const parts = [
    filter.category !== undefined && words.category(filter.category),
    filter.actor !== undefined && words.user(filter.actor),
    filter.action !== undefined && words.action(filter.action),
    filter.outcome !== undefined && words.outcome(filter.outcome),
    filter.sourceIp !== undefined && words.sourceIp(filter.sourceIp),
    filter.from !== undefined && words.from(filter.from),
    filter.to !== undefined && words.to(filter.to),
  ].filter((part) => part !== false);
  return parts.length > 0 ? parts.join('; ') : words.none;
}

/** The table's geometry and drawing, for one document. */
function createTable(doc: PDFKit.PDFDocument, columns: readonly AuditColumn[], headers: readonly string[], pageLabel: (n: number) => string) {
  const left = MARGIN;
  const right = doc.page.width - MARGIN;
  const total = columns.reduce((sum, column) => sum + WEIGHTS[column], 0);
  const widths = columns.map((column) => ((right - left) * WEIGHTS[column]) / total);
  const lineHeight = doc.font(FONT).fontSize(FONT_SIZE).currentLineHeight(true);
  const maxText = MAX_LINES * lineHeight;

  /** Draws `cells` from `y` in the current font; a cell that fits one line skips the wrapper. */
  const cellsAt = (cells: readonly string[], y: number, height: number) => {
    let x = left;
    cells.forEach((text, i) => {
      const width = (widths[i] ?? 0) - 2 * PADDING;
      if (text === '') {
        // nothing to draw
      } else if (fitsOneLine(text, width)) {
        doc.text(text, x + PADDING, y + PADDING, { lineBreak: false });
      } else {
        // The extra half point keeps rounding from dropping a last line that does fit.
        doc.text(text, x + PADDING, y + PADDING, { width, height: height - 2 * PADDING + 0.5, ellipsis: true });
      }
      x += widths[i] ?? 0;
    });
  };
  const fitsOneLine = (text: string, width: number) => !text.includes('\n') && doc.widthOfString(text) <= width;
  const rule = (y: number) => doc.moveTo(left, y).lineTo(right, y).lineWidth(0.3).strokeColor('#b0b0b0').stroke();

  return {
    /** The lowest a row may reach on a page. */
    bottom: doc.page.height - MARGIN - FOOTER,

    /** The height of a row of `cells`, wrapped within their columns, at most MAX_LINES. */
    rowHeight(cells: readonly string[]): number {
      doc.font(FONT).fontSize(FONT_SIZE);
      let text = lineHeight;
      cells.forEach((cell, i) => {
        const width = (widths[i] ?? 0) - 2 * PADDING;
        if (!fitsOneLine(cell, width)) text = Math.max(text, Math.min(doc.heightOfString(cell, { width }), maxText));
      });
      return text + 2 * PADDING;
    },

    /** Draws a row; returns where the next one starts. */
    row(cells: readonly string[], y: number, height: number): number {
      doc.font(FONT).fontSize(FONT_SIZE).fillColor('black');
      cellsAt(cells, y, height);
      rule(y + height);
      return y + height;
    },

    /** Draws the header row at `y`; returns where the rows start. */
    header(y: number): number {
      const height = lineHeight + 2 * PADDING;
      doc.rect(left, y, right - left, height).fill('#e6e6e6');
      doc.font(BOLD).fontSize(FONT_SIZE).fillColor('black');
      cellsAt(headers.map(pdfText), y, height);
      rule(y + height);
      return y + height;
    },

    /** Writes the page's label ("Page N") in the bottom margin of the current page. */
    footer(page: number): void {
      const label = pdfText(pageLabel(page));
      doc.font(FONT).fontSize(FONT_SIZE).fillColor('#555555');
      // lineBreak: false, because text placed below the bottom margin would otherwise start a new page.
      doc.text(label, right - doc.widthOfString(label), doc.page.height - MARGIN + 4, { lineBreak: false });
      doc.fillColor('black');
    },
  };
}
