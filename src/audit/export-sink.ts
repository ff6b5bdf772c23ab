/**
 * Where an export's bytes go, with backpressure: writers hand over chunks as they make them,
 * and the exporter awaits ready() between pages, so a slow reader (a download over a slow
 * link) slows the export down instead of piling the file up in memory.
 */
import { finished } from 'node:stream/promises';

/** The output of one export. */
export interface ExportSink {
  /** Passes a chunk on. Never waits: the exporter does, in ready(). */
  write(chunk: Uint8Array | string): void;
  /** Resolves when the output has room (at once if it has); rejects if it failed or closed. */
  ready(): Promise<void>;
  /** Ends the output; resolves once it has taken everything. */
  end(): Promise<void>;
  /** Breaks the output off, so that a partial file never looks complete. */
  abort(): void;
}

/** A sink over `output`, which it ends when the export is done. */
export function createSink(output: NodeJS.WritableStream & { destroy?(): void }): ExportSink {
  // Kept by a listener rather than asked of the output: chunks of the zip and PDF writers
  // arrive between pages, so 'drain' can come before ready() is called.
  let full = false;
  const drained = new Set<() => void>();
  output.on('drain', () => {
    full = false;
    for (const resolve of drained) resolve();
    drained.clear();
  });
  // Settles when the output finishes, fails or closes early (finished() also keeps an 'error'
  // listener on it). Racing it stops a download the client gave up on from stalling the export.
  const done = finished(output, { readable: false });
  const closed = done.then(() => {
    throw new Error('the output finished before the export did');
  });
  closed.catch(() => {}); // observed in ready()
  done.catch(() => {}); // observed in end()
  return {
    write(chunk) {
      if (!output.write(chunk)) full = true;
    },
    async ready() {
      if (full) await Promise.race([new Promise<void>((resolve) => drained.add(resolve)), closed]);
    },
    async end() {
      output.end();
      await done;
    },
    abort() {
      output.destroy?.();
    },
  };
}
