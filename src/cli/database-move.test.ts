/**
 * The README's move between SQLite and PostgreSQL, step by step with the CLI as an admin runs
 * it: stop the portal, `latchkey backup`, set the old data folder aside for an empty one,
 * `latchkey restore` with DATABASE_URL set (or not, to come back), start. After each move a
 * person enrolled before it resets their password through HTTP: the answers verify, the code
 * goes out by the SMTP settings, and the directory write uses the service account's password —
 * settings and secrets that are in the database only, since the file no longer names them.
 * The backup password is typed at the prompt, under a pseudo-terminal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'ldapts';
import { stringify } from 'yaml';
import { type Outbox, startOutbox } from '../notify/outbox.ts';
import { createScratchDatabase } from '../testing/databases.ts';
import { adminClient, bindAs, createUser, devDomain, freshPassword, removeEntries, type TestUser } from '../testing/dev-domain.ts';
import { httpWebClient, keepAlive } from '../testing/http-client.ts';
import { enroll, resetPassword } from '../testing/journeys.ts';
import { freePort } from '../testing/ports.ts';
import { SOURCE_CLI, startServed } from '../testing/served-portal.ts';
import { devDirectorySettings } from './demo.ts';

const facts = devDomain();
const BACKUP_PASSWORD = 'moving day passphrase';
const work = mkdtempSync(join(tmpdir(), 'latchkey-move-'));
const dataDir = join(work, 'data');
const configFile = join(work, 'latchkey.yaml');
const backupFile = join(work, 'latchkey.backup');
let outbox: Outbox;
let admin: Client;
let user: TestUser;
let port: number;
let databaseUrl: string;
let dropDatabase: () => Promise<void>;

/** Only what the commands need: no LATCHKEY_* of the test run's own. */
const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

/** The config file: with `firstStart`, also the settings the first start imports into the database. */
function writeConfig(firstStart: boolean): void {
  const settings = {
    dataDir,
    server: { host: '127.0.0.1', port, behindTlsProxy: true, trustedProxies: ['127.0.0.1'], publicUrl: 'https://passwords.latchkey.test' },
    ...(firstStart
      ? {
          directory: devDirectorySettings(facts),
          smtp: { host: '127.0.0.1', port: outbox.port, security: 'none', from: 'Latchkey <noreply@latchkey.test>' },
          protection: { responseDelayMs: { min: 0, max: 0 } },
          codes: { resendCooldownSeconds: 0 },
        }
      : {}),
  };
  writeFileSync(configFile, stringify(settings));
}

/** Runs a CLI command under a pseudo-terminal (util-linux `script`), typing the backup password at each prompt. */
function typingPassword(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const child = spawn('script', ['-qec', [...SOURCE_CLI, ...args].map(quote).join(' '), '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let answered = 0;
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    // One answer per prompt shown (a new backup asks twice); each prompt is answered once it is shown.
    for (const prompts = output.match(/Backup password( again)?: /g)?.length ?? 0; answered < prompts; answered++) child.stdin.write(`${BACKUP_PASSWORD}\r`);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      child.stdin.end();
      resolve({ code, output });
    }),
  );
}

/** `latchkey serve`, a reset by the enrolled person through HTTP, and the stop. */
async function resetThroughServe(env: NodeJS.ProcessEnv): Promise<void> {
  const served = await startServed([...SOURCE_CLI, 'serve', '--config', configFile], { port, env });
  try {
    const next = freshPassword();
    await resetPassword(httpWebClient(port, keepAlive(1), { ip: '192.0.2.10' }), user, { address: `${user.sam}@${facts.dnsDomain}`, outbox }, next);
    assert.equal(await bindAs(user.dn, next), 'ok', "the new password is the account's");
  } finally {
    assert.equal(await served.stop(), 0, `a clean stop:\n${served.output.join('')}`);
  }
}

/** Backup, the old data folder set aside for an empty one, restore: the README's move. */
async function move(from: NodeJS.ProcessEnv, to: NodeJS.ProcessEnv, aside: string): Promise<void> {
  rmSync(backupFile, { force: true });
  const backup = await typingPassword(['backup', '--config', configFile, '--file', backupFile], from);
  assert.equal(backup.code, 0, backup.output);
  assert.match(backup.output, /Backed up \d+ rows/);
  renameSync(dataDir, join(work, aside));
  mkdirSync(dataDir, { mode: 0o700 });
  const restore = await typingPassword(['restore', '--config', configFile, '--file', backupFile], to);
  assert.equal(restore.code, 0, restore.output);
  assert.match(restore.output, to.DATABASE_URL ? /Restored \d+ rows into PostgreSQL/ : /Restored \d+ rows into /);
}

before(async () => {
  outbox = await startOutbox();
  admin = await adminClient();
  user = await createUser(admin);
  port = await freePort();
  const scratch = await createScratchDatabase('postgres');
  databaseUrl = scratch.options.databaseUrl!;
  dropDatabase = () => scratch.drop();
});

after(async () => {
  await dropDatabase?.();
  await removeEntries(admin, [user.dn]);
  await admin.unbind();
  await outbox.close();
  rmSync(work, { recursive: true, force: true });
});

describe('moving between SQLite and PostgreSQL by backup and restore', () => {
  test('a SQLite portal: a person enrolls; then the file holds only what a start needs', async () => {
    writeConfig(true);
    const served = await startServed([...SOURCE_CLI, 'serve', '--config', configFile], { port, env: baseEnv });
    try {
      await enroll(httpWebClient(port, keepAlive(1), { ip: '192.0.2.10' }), user);
    } finally {
      assert.equal(await served.stop(), 0, served.output.join(''));
    }
    writeConfig(false);
  });

  test('SQLite → PostgreSQL: the enrollment verifies, the settings and secrets decrypt', async () => {
    const postgres = { ...baseEnv, DATABASE_URL: databaseUrl };
    await move(baseEnv, postgres, 'data.sqlite-before-postgresql');
    await resetThroughServe(postgres);
  });

  test('PostgreSQL → SQLite: the same, back again', async () => {
    await move({ ...baseEnv, DATABASE_URL: databaseUrl }, baseEnv, 'data.before-sqlite');
    await resetThroughServe(baseEnv);
  });
});
