/**
 * `latchkey serve` in a child process, as an admin starts it (from source, or the installed
 * command under runuser), reached over HTTP on loopback: ready once /healthz answers, stopped
 * with SIGTERM as systemd stops it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { keepAlive, send } from './http-client.ts';

/** The CLI from this checkout's source, as a command line. */
export const SOURCE_CLI = [process.execPath, '--import', 'tsx', join(import.meta.dirname, '..', 'cli', 'main.ts')];

export interface ServedPortal {
  readonly port: number;
  /** What the process wrote (its JSON log), for a failing test's message. */
  readonly output: string[];
  /** SIGTERM, then the exit code once it has stopped. */
  stop(): Promise<number | null>;
}

/** Starts `command` (ending in `serve …`) and waits until the portal on 127.0.0.1:`port` answers /healthz. */
export async function startServed(command: string[], options: { port: number; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ServedPortal> {
  const child = spawn(command[0]!, command.slice(1), { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  const agent = keepAlive(1);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (gone) throw new Error(`serve exited before it answered:\n${output.join('')}`);
    const reply = await send(options.port, agent, 'GET', '/healthz').catch(() => null);
    if (reply?.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve did not answer /healthz on port ${options.port}:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  agent.destroy();
  return {
    port: options.port,
    output,
    async stop() {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
  };
}
