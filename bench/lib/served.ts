/**
 * Latchkey as `latchkey serve` runs it, for the benches that need what only the command does:
 * several worker processes (`server.workers`). The CLI in a child process (node --import tsx,
 * NODE_ENV=production, plain HTTP behind the trusted 127.0.0.1 "proxy", log level warn), on a
 * free loopback port, with the bench's config (latchkeyConfig's `base`). CPU time and RSS are of
 * the whole process tree (the primary and its workers); the stats are read from the SQLite file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load.ts';
import { databaseOptions } from '../../src/config/paths.ts';
import { openDatabase } from '../../src/store/database.ts';
import { freePort } from '../../src/testing/ports.ts';
import { runServe } from '../../src/testing/serve-process.ts';
import { auditStats } from './audit-stats.ts';
import { cpuMs, rssMb, type Target } from './harness.ts';

export interface Served extends Target {
  /** The primary (when there are workers) and every process below it. */
  pids(): number[];
  /** CPU time of them all so far, ms. */
  cpuMs(): number;
  /** RSS of the serving processes (the workers; the primary serves nothing), MB each. */
  workerRssMb(): number[];
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Resolves once `workers` serve: at log level warn only the primary says so; a single process is polled. */
async function started(portal: ReturnType<typeof runServe>, port: number, workers: number): Promise<void> {
  if (workers > 1) {
    const serving = new Set<unknown>();
    await portal.waitForLog((line) => line.msg === 'a worker is serving' && serving.add(line.worker).size === workers, 180_000);
  } else {
    const answers = () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (reply) => reply.ok,
        () => false,
      );
    for (let tries = 0; !(await answers()); tries++) {
      if (tries > 1800 || portal.child.exitCode !== null) throw new Error(`the portal did not start:\n${portal.output()}`);
      await sleep(100);
    }
  }
}

export async function startServed(base: Record<string, unknown>, workers: number): Promise<Served> {
  const port = await freePort();
  const dataDir = String(base.dataDir);
  const config = { ...base, server: { ...(base.server as object), port, workers }, log: { level: 'warn' } };
  const portal = runServe(join(dataDir, 'latchkey.yaml'), config, { NODE_ENV: 'production' });
  // At log level warn only the primary says when a worker serves; a single process is polled.
  try {
    await started(portal, port, workers);
  } catch (error) {
    portal.child.kill('SIGKILL');
    throw error;
  }
  const root = portal.child.pid!;
  const tree = () => [root, ...children(root)];
  const database = await openDatabase(databaseOptions(loadConfig({ env: {}, base: { ...base, server: { ...(base.server as object), port } } })));
  return {
    pid: root,
    port,
    pids: tree,
    cpuMs: () => tree().reduce((sum, pid) => sum + cpuMs(pid), 0),
    workerRssMb: () => (workers > 1 ? children(root) : [root]).map(rssMb),
    async stats() {
      return { ...(await auditStats(database.db)), warnings: 0, messages: [], statements: Number.NaN, heapMb: Number.NaN, externalMb: Number.NaN };
    },
    async stop() {
      await database.close();
      if (portal.child.exitCode !== null) return;
      portal.child.kill('SIGTERM');
      const timer = setTimeout(() => portal.child.kill('SIGKILL'), 20_000);
      await portal.exited;
      clearTimeout(timer);
    },
  };
}
