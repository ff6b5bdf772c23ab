/**
 * Does the first step of reset give away, by its timing, whether a name is a real enrolled
 * account? Measures POST /reset for an enrolled user and for unknown names, first with the
 * uniform delay off (what the work itself costs) and then with it on, and prints the ratio
 * of the medians (1.00 = indistinguishable). Needs the dev domain (scripts/dev-ad up).
 *
 *   node --import tsx bench/first-step-timing.ts [samples]
 */
import { adminClient, createUser, removeEntries } from '../src/testing/dev-domain.ts';
import { enroll } from '../src/testing/journeys.ts';
import { startTestPortal, type TestPortal } from '../src/testing/portal.ts';
import { webClient } from '../src/testing/web-client.ts';

const samples = Number(process.argv[2] ?? 40);
const admin = await adminClient();
const user = await createUser(admin);

async function measure(portal: TestPortal, name: string, ip: string): Promise<number> {
  const client = webClient(portal.app.server, { ip });
  await client.get('/reset');
  const started = performance.now();
  const page = await client.post('/reset', { username: name, domain: '' });
  if (page.status !== 303) throw new Error(`unexpected ${page.status}`);
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const p90 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)]!;

async function run(label: string, delay: { min: number; max: number }) {
  // Generous limits: the bench must measure the first step, not the rate limiter.
  const portal = await startTestPortal({ protection: { responseDelayMs: delay, perIp: { max: 100_000 }, perUser: { max: 100_000 } } });
  try {
    await enroll(webClient(portal.app.server), user);
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < samples; i++) {
      // Interleaved, so drift in the machine's load hits both alike.
      known.push(await measure(portal, user.sam, `10.0.${i % 250}.1`));
      unknown.push(await measure(portal, `nobody-${i}`, `10.1.${i % 250}.1`));
    }
    const ratio = median(known) / median(unknown);
    console.log(
      `${label.padEnd(28)} enrolled: median ${median(known).toFixed(1)} ms, p90 ${p90(known).toFixed(1)} ms | ` +
        `unknown: median ${median(unknown).toFixed(1)} ms, p90 ${p90(unknown).toFixed(1)} ms | ratio ${ratio.toFixed(2)}`,
    );
  } finally {
    await portal.close();
  }
}

try {
  await run('uniform delay off', { min: 0, max: 0 });
  await run('uniform delay 150-250 ms', { min: 150, max: 250 });
} finally {
  await removeEntries(admin, [user.dn]);
  await admin.unbind();
}
