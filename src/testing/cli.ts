/**
 * The CLI as an administrator runs it: `node src/cli/main.ts …` in a child process with only
 * the environment given (and PATH), a working directory, its output and exit code; and a config
 * file for the dev domain in a fresh folder, written as YAML the way an administrator would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { devDomain } from './dev-domain.ts';

const MAIN = join(import.meta.dirname, '..', 'cli', 'main.ts');
// Resolved here: from the working directory of a test (a temp folder) `--import tsx` finds nothing.
const TSX = import.meta.resolve('tsx');

/** How one run ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where and with what the CLI runs. */
export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
}

/** Spawns the CLI with `args`; the environment is `env` and PATH only. */
export function spawnCli(args: string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the CLI to its end. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** A running `latchkey serve`: its URL, the log lines so far, and a graceful stop. */
export interface RunningServe {
  url: string;
  log(): string;
  stop(): Promise<CliRun>;
}

/** Starts `latchkey serve`; resolves once it listens, rejects with its output if it ends first. */
export function startServe(args: string[], options: CliOptions = {}): Promise<RunningServe> {
  const child = spawnCli(['serve', ...args], options);
  let stdout = '';
  let stderr = '';
  const ended = new Promise<CliRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const listening = /"msg":"Server listening at (https?:\/\/[^"]+)"/.exec(stdout);
      if (listening) {
        resolve({
          url: listening[1]!,
          log: () => stdout,
          stop: () => {
            child.kill('SIGTERM');
            return ended;
          },
        });
      }
    });
    void ended.then((run) => reject(new Error(`latchkey serve ended (${run.code}):\n${run.stdout}\n${run.stderr}`)));
  });
}

/** A fresh folder removed by the returned function. */
export function scratchFolder(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes `file` as YAML: the dev domain's directory section (without the password unless
 * `extra.directory` gives one), a loopback listener on a free port, and `extra` on top.
 */
export function writeConfig(file: string, extra: Record<string, unknown> = {}): string {
  const facts = devDomain();
  const { directory, server, ...rest } = extra as { directory?: Record<string, unknown>; server?: Record<string, unknown> };
  const config = {
    server: { host: '127.0.0.1', port: 0, publicUrl: 'https://passwords.latchkey.test', ...server },
    directory: { urls: [facts.url], caFile: facts.caFile, bindDn: facts.serviceAccount.dn, searchBases: facts.delegatedOus, ...directory },
    protection: { responseDelayMs: { min: 0, max: 0 } },
    ...rest,
  };
  writeFileSync(file, stringify(config));
  return file;
}
