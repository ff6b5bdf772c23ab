/**
 * `latchkey breached import FILE` and `latchkey breached status`: importing the Pwned Passwords
 * list into the index the portal screens new passwords with, and saying what is loaded. Progress
 * goes to stderr: a bar with an estimate of the time left on a terminal, a plain line every ten
 * seconds otherwise (a log, a pipe).
 */
import { existsSync } from 'node:fs';
import { breachedIndexFile } from '../config/paths.ts';
import type { Config } from '../config/schema.ts';
import { importBreachedFile } from '../passwords/breached-import.ts';
import { IndexFile, type IndexHeader } from '../passwords/breached-index.ts';

/** Where progress goes, and whether it is a terminal. */
export interface ProgressOutput {
  write(text: string): void;
  isTTY: boolean;
}

const BAR_WIDTH = 30;
const PLAIN_EVERY_MS = 10_000;
const TTY_EVERY_MS = 250;

const number = (n: number) => n.toLocaleString('en-US');
const kindName = (header: IndexHeader) => (header.kind === 'sha1' ? 'SHA-1' : 'NTLM');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

/** Renders progress reports: a redrawn bar on a terminal, a line now and then elsewhere. */
export function progressReporter(out: ProgressOutput, now: () => number = () => performance.now()) {
  const started = now();
  let shown = Number.NEGATIVE_INFINITY;
  return {
    report({ bytesRead, totalBytes, hashes }: { bytesRead: number; totalBytes: number; hashes: number }): void {
      const at = now();
      if (at - shown < (out.isTTY ? TTY_EVERY_MS : PLAIN_EVERY_MS)) return;
      shown = at;
      const fraction = totalBytes > 0 ? Math.min(1, bytesRead / totalBytes) : 0;
      const elapsed = (at - started) / 1000;
      const left = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Number.POSITIVE_INFINITY;
      const percent = `${(fraction * 100).toFixed(1)}%`;
      if (out.isTTY) {
        const filled = Math.round(fraction * BAR_WIDTH);
        out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent.padStart(6)}  ${number(hashes)} hashes  ETA ${duration(left)}   `);
      } else {
        out.write(`imported ${number(hashes)} hashes (${percent} of the file) in ${duration(elapsed)}, about ${duration(left)} left\n`);
      }
    },
    /** Ends the bar's line, so that what follows starts on a line of its own. */
    end(): void {
      if (out.isTTY && Number.isFinite(shown)) out.write('\n');
    },
  };
}

/** The header and size of the index at `path` (checked as a lookup would check it). */
function indexFacts(path: string): { header: IndexHeader; size: number } {
  const index = IndexFile.open(path);
  index.close();
  return { header: index.header, size: index.identity.size };
}

/** Imports `file` into the configured index; returns what to tell the administrator. */
export async function runBreachedImport(config: Config, file: string, progress: ProgressOutput): Promise<string> {
  const indexFile = breachedIndexFile(config);
  const reporter = progressReporter(progress);
  const started = performance.now();
  let header: IndexHeader;
  try {
    header = await importBreachedFile(file, { indexFile, onProgress: reporter.report });
  } finally {
    reporter.end();
  }
  const seconds = (performance.now() - started) / 1000;
  const { size } = indexFacts(indexFile);
  return (
    `Imported ${number(header.hashes)} ${kindName(header)} hashes from ${file} in ${duration(seconds)} into ${indexFile} ` +
    `(${(size / 2 ** 20).toFixed(1)} MiB, ${(size / header.hashes).toFixed(2)} bytes a hash). ` +
    'Running portals use it within a few seconds.\n'
  );
}

/** What is loaded: the index's kind, hashes, size and build time, or that there is none. */
export function breachedStatus(config: Config): string {
  const indexFile = breachedIndexFile(config);
  if (!existsSync(indexFile)) {
    return `No breached-password index at ${indexFile}: only the bundled list of common passwords is checked.\nImport the Pwned Passwords list with: latchkey breached import FILE\n`;
  }
  const { header, size } = indexFacts(indexFile);
  return [
    `Breached-password index ${indexFile}`,
    `  kind:     ${kindName(header)}`,
    `  hashes:   ${number(header.hashes)}${header.entries !== header.hashes ? ` (${number(header.entries)} entries)` : ''}`,
    `  size:     ${(size / 2 ** 20).toFixed(1)} MiB (${(size / header.hashes).toFixed(2)} bytes a hash)`,
    `  built:    ${new Date(header.builtAt).toISOString()}`,
    `  false positives: about 1 in ${number(Math.round(1 / header.falsePositiveRate))} absent passwords`,
    '',
  ].join('\n');
}
