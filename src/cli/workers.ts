/**
 * Several worker processes on one machine (`server.workers`), with node:cluster: the primary
 * forks them and they share the listening socket, so one portal uses every core. Each worker is
 * a whole portal (its own database connection, directory connection and jobs timer); what must
 * hold across them already holds across instances, because it lives in the database: flows,
 * sessions, codes, limits and lockouts, the jobs' once-only lock, repeated views and refusals
 * counted on one audit entry.
 *
 * The primary serves nothing itself. It starts one worker and waits until it listens (so the
 * database's migrations and the first start's import of the settings run once), then the rest;
 * it starts a worker again when one ends without being asked to (waiting 1 s, doubling up to
 * 60 s while they keep failing within a minute of starting), forwards SIGHUP (reload) to every
 * worker, and on SIGTERM or SIGINT asks every worker to stop gracefully and ends when they have.
 * It also answers the workers' requests for the metrics of them all (metrics/cluster.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism, hostname } from 'node:os';
import { aggregateWorkerMetrics } from '../metrics/cluster.ts';

/** What a worker is told by the primary to stop gracefully (a signal might reach it twice). */
export const STOP_MESSAGE = 'latchkey:stop';

const FIRST_RESTART_MS = 1_000;
const LONGEST_RESTART_MS = 60_000;
/** A worker that ran this long before ending counts as healthy: the next restart waits the least again. */
const HEALTHY_AFTER_MS = 60_000;

/** How many workers `server.workers` asks for: a number, or auto (the cores this process may use). */
export function workerCount(setting: string): number {
  return setting === 'auto' ? availableParallelism() : Number(setting);
}

/** One JSON line, as pino writes them, so the primary's lines sit among the workers' in the journal. */
function log(level: 'info' | 'warn' | 'error', details: object, msg: string): void {
  const levels = { info: 30, warn: 40, error: 50 };
  process.stdout.write(
    `${JSON.stringify({ level: levels[level], time: Date.now(), pid: process.pid, hostname: hostname(), role: 'primary', ...details, msg })}\n`,
  );
}

/**
 * Runs the primary until its workers have stopped; resolves with the exit code. A first worker
 * that ends before it listens (a bad setting, a database that cannot be opened) ends the primary
 * with its exit code: starting it again would fail the same way.
 */
export function superviseWorkers(count: number): Promise<number> {
  aggregateWorkerMetrics();
  let serving = false;
  let stopping = false;
  let failures = 0;
  let exitCode = 0;
  const started = new Map<Worker, number>();
  const running = () => [...started.keys()];
  const fork = () => started.set(cluster.fork(), Date.now());
  return new Promise((resolve) => {
    const whenAllEnded = () => {
      if (!stopping || started.size > 0) return;
      log('info', { exitCode }, 'stopped: every worker has ended');
      resolve(exitCode);
    };
    cluster.on('exit', (worker, code, signal) => {
      const ranMs = Date.now() - (started.get(worker) ?? 0);
      started.delete(worker);
      if (!serving && !stopping) {
        log('error', { code, signal }, 'the first worker ended before it could serve (its error is above); not starting others');
        stopping = true;
        exitCode = code || 1;
      }
      if (stopping) {
        if (code) exitCode = code;
        return whenAllEnded();
      }
      failures = ranMs >= HEALTHY_AFTER_MS ? 0 : failures + 1;
      const waitMs = Math.min(FIRST_RESTART_MS * 2 ** (failures - 1 || 0), LONGEST_RESTART_MS);
      log('error', { worker: worker.process.pid, code, signal, ranMs, restartInMs: waitMs }, 'a worker ended unexpectedly; starting another');
      setTimeout(() => stopping || fork(), Math.max(waitMs, FIRST_RESTART_MS));
    });
    const listening = new WeakSet<Worker>();
    cluster.on('listening', (worker) => {
      listening.add(worker);
      log('info', { worker: worker.process.pid }, 'a worker is serving');
    });
    // The first alone until it listens: the migrations and the first start's import run once.
    cluster.once('listening', () => {
      serving = true;
      for (let i = 1; i < count && !stopping; i++) fork();
      log('info', { workers: count }, 'workers starting beside the first, which serves');
    });
    fork();
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log('info', { signal, workers: started.size }, 'stopping: every worker finishes its requests, then ends');
      // A worker still starting has no requests and no stop handler yet: the signal ends it.
      for (const worker of running()) {
        if (listening.has(worker) && worker.isConnected()) worker.send(STOP_MESSAGE);
        else worker.process.kill('SIGTERM');
      }
      whenAllEnded();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => {
      for (const worker of running()) worker.process.kill('SIGHUP');
    });
  });
}
