/**
 * `latchkey serve` as an operator runs it: the CLI in a child process with a configuration
 * file, real signals, and its JSON log lines read back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '..', 'cli', 'main.ts');

export type LogLine = Record<string, unknown> & { msg?: string };

export interface ServeProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The first log line (seen or to come) that `match` accepts; rejects when the process ends first. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** How the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Writes `config` to `file` (JSON is YAML) and runs `latchkey serve --config file`; does not wait for the start. */
export function runServe(file: string, config: Record<string, unknown>, env: Record<string, string> = {}): ServeProcess {
  writeFileSync(file, JSON.stringify(config, null, 2));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--config', file], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let pending = '';
  const take = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    pending += chunk.toString('utf8');
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line (a coded error on stderr): kept in output()
      }
    }
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const wake of waiters) wake();
  });
  return {
    child,
    output: () => output,
    exited,
    waitForLog(match, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no such log line within ${timeoutMs} ms; the output:\n${output}`)), timeoutMs);
        const check = () => {
          const found = lines.find(match);
          if (found) finish(null, found);
          else if (ended) finish(new Error(`the process ended first; the output:\n${output}`));
        };
        const finish = (error: Error | null, line?: LogLine) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(line!);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
