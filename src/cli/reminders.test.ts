/**
 * `latchkey reminders` as an administrator runs it, against the dev domain (a throwaway OU with
 * a fine-grained policy, see reminder-fixture.ts): --dry-run lists and sends nothing, a run
 * sends, a second run the same day sends nothing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, scratchFolder, writeConfig } from '../testing/cli.ts';
import { devDomain } from '../testing/dev-domain.ts';
import { reminderFixture } from '../testing/reminder-fixture.ts';

const { dir, remove } = scratchFolder();
after(remove);
const fixture = reminderFixture({ maxAgeDays: 10, accounts: 2 });

test('--dry-run lists who would get which reminder and sends nothing; a run sends each once; a second run sends nothing', async () => {
  const facts = devDomain();
  const config = writeConfig(join(dir, 'latchkey.yaml'), {
    dataDir: join(dir, 'data'),
    directory: { searchBases: [fixture.ou] },
    smtp: { host: '127.0.0.1', port: fixture.sink.port, security: 'none', from: 'Latchkey <noreply@latchkey.test>' },
    reminders: { enabled: true },
  });
  const env = { LATCHKEY_DIRECTORY__BIND_PASSWORD: facts.serviceAccount.password };
  const latchkey = (...args: string[]) => runCli(['reminders', '--config', config, ...args], { env, cwd: dir });

  const dry = await latchkey('--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  for (const user of fixture.accounts)
    assert.match(dry.stdout, new RegExp(`^${user.sam}\\t14-day reminder\\texpires \\S+ \\(in 10 days\\)\\te-mail ${user.sam}@`, 'm'));
  assert.match(
    dry.stdout,
    /^Would send 2 reminders \(0 failed, 0 sent before, 0 without an address\) after reading 2 accounts; 0 passwords have already expired\.$/m,
  );
  assert.equal(fixture.sink.received.length, 0);

  const run = await latchkey();
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Sent 2 reminders/);
  assert.equal(fixture.sink.received.length, 2);

  const again = await latchkey();
  assert.match(again.stdout, /^Sent 0 reminders \(0 failed, 2 sent before/);
  assert.equal(fixture.sink.received.length, 2);
});
