/**
 * What every export format implements: take pages of events as they come, then finish the
 * file. The exporter (export.ts) does the walking, the waiting and the error handling.
 */
import type { AuditEntry, AuditFilter } from '../store/audit.ts';
import type { AuditColumn } from './export-columns.ts';
import type { ExportSink } from './export-sink.ts';

/** What a format needs to lay out its file. */
export interface ExportLayout {
  readonly columns: readonly AuditColumn[];
  /** The header of each column, in the same order. */
  readonly headers: readonly string[];
  /** The document's title (PDF heading, workbook title). */
  readonly title: string;
  /** The filter, for formats that describe it. */
  readonly filter: AuditFilter;
  /** When the export was made, in epoch milliseconds. */
  readonly generatedAt: number;
  /** The words written around the table, in the reader's language. */
  readonly words: ExportWords;
}

/** The words a format writes around its table (the PDF's title block and footers). */
export interface ExportWords {
  /** The line naming the filter, given the filter in words ("Filter: …"). */
  filter(description: string): string;
  /** The line saying when the export was made and in which order ("Generated …; newest first."). */
  generated(at: number): string;
  /** A page's footer ("Page 2"). */
  page(n: number): string;
  /** The parts of the filter in words, joined with "; ". */
  category(name: string): string;
  user(name: string): string;
  action(name: string): string;
  outcome(name: string): string;
  sourceIp(address: string): string;
  from(at: number): string;
  to(at: number): string;
  /** The filter in words when nothing is filtered. */
  readonly none: string;
}

/** One file being written. */
export interface FormatWriter {
  /** Adds a page of events; resolves when the writer can take the next. */
  write(entries: readonly AuditEntry[]): Promise<void> | void;
  /** Finishes the file; resolves once every byte of it has gone to the sink. */
  end(): Promise<void>;
}

/** Starts a file of one format. */
export type FormatWriterFactory = (sink: ExportSink, layout: ExportLayout) => FormatWriter;
