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
