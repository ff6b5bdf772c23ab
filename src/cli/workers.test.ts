/**
 * `latchkey serve` with `server.workers: 2` as an operator runs it, on one SQLite file: two
 * worker processes serve the port, first steps written by both at once all succeed (WAL and the
 * busy timeout make a writer wait, never fail), /metrics counts every worker's requests whichever
 * worker answers, a crashed worker is started again, SIGHUP reaches every worker, and SIGTERM
 * stops them all gracefully.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { devDomain } from '../testing/dev-domain.ts';
import { freePort } from '../testing/ports.ts';
import { type LogLine, runServe } from '../testing/serve-process.ts';
import { devDirectorySettings } from './demo.ts';
import { workerCount } from './workers.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-workers-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const serving = (line: LogLine) => line.msg === 'Latchkey is serving';

/** One first step (the form, then a name) from `ip`, on a connection of its own; the POST's status. */
async function firstStep(origin: string, ip: string): Promise<number> {
  const headers = { 'x-forwarded-for': ip, connection: 'close' };
  const form = await fetch(`${origin}/reset`, { headers });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const answer = await fetch(`${origin}/reset`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, cookie: form.headers.get('set-cookie')!.split(';')[0]!, 'content-type': 'application/x-www-form-urlencoded' },
    body: `username=nobody-${ip}&domain=&_csrf=${encodeURIComponent(csrf)}`,
  });
  await answer.arrayBuffer();
  return answer.status;
}

test('workers: auto is one per core, a number is that many', () => {
  assert.ok(workerCount('auto') >= 1);
  assert.equal(workerCount('3'), 3);
});

test('two workers share the port and the SQLite file, are restarted when they crash, reload and stop together', async () => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const portal = runServe(join(dataDir, 'latchkey.yaml'), {
    dataDir,
    server: { host: '127.0.0.1', port, behindTlsProxy: true, trustedProxies: ['127.0.0.1'], workers: 2 },
    directory: devDirectorySettings(devDomain()),
    protection: { responseDelayMs: { min: 0, max: 0 } },
  });
  try {
    const pids = new Set<unknown>();
    await portal.waitForLog((line) => serving(line) && pids.add(line.pid).size === 2);

    // Both write sessions, audit entries and counters at once.
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => firstStep(origin, `10.90.0.${i + 1}`)));
    assert.deepEqual(new Set(statuses), new Set([303]), 'every first step started a flow');
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    const posts = /latchkey_http_requests_total\{route="\/reset",method="POST",status="303"\} (\d+)/.exec(metrics)?.[1];
    assert.equal(posts, '40', 'the metrics are every worker’s, whichever answers the scrape');

    // A crashed worker is replaced.
    const [victim] = [...pids];
    process.kill(victim as number, 'SIGKILL');
    await portal.waitForLog((line) => line.msg?.startsWith('a worker ended unexpectedly') === true && line.signal === 'SIGKILL');
    await portal.waitForLog((line) => serving(line) && !pids.has(line.pid));
    assert.equal((await fetch(`${origin}/healthz`)).status, 200);

    portal.child.kill('SIGHUP');
    const reloaded = new Set<unknown>();
    await portal.waitForLog((line) => line.msg === 'reloaded' && reloaded.add(line.pid).size === 2);

    portal.child.kill('SIGTERM');
    const stopped = new Set<unknown>();
    await portal.waitForLog((line) => line.msg?.startsWith('stopped:') === true && line.requestsFinished !== undefined && stopped.add(line.pid).size === 2);
    await portal.waitForLog((line) => line.msg?.startsWith('stopped: every worker') === true);
    assert.deepEqual(await portal.exited, { code: 0, signal: null });
  } finally {
    if (portal.child.exitCode === null) portal.child.kill('SIGKILL');
  }
});
