/** What the backup tests share: a seeded portal, where it lives, and checks of what a restore brought back. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import { createApp } from '../app.ts';
import { devDirectorySettings } from '../cli/demo.ts';
import { loadConfig } from '../config/load.ts';
import { masterKeyFile } from '../config/paths.ts';
import type { Config } from '../config/schema.ts';
import { hashAnswer, verifyAnswer } from '../security/answers.ts';
import type { AuditEntry, AuditEvent } from '../store/audit.ts';
import { totpSecretName } from '../store/totp.ts';
import { createScratchDatabase } from './databases.ts';
import { devDomain } from './dev-domain.ts';

export const facts = devDomain();
export const PASSWORD = 'correct horse battery staple';
export const ANSWERS: ReadonlyArray<[string, string]> = [
  ['What was the name of your first pet?', 'Rex'],
  ['In which town or city did your parents meet?', 'Leeds'],
];
export const THROTTLE_KEY = `user:${facts.users.staff[0]}`;
/** An admin's column choices in the audit viewer: their own table, which a backup carries too. */
/** An authenticator app's secret (sealed in the database) and a recovery code's hash: a backup carries the factors. */
export const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export const PREFERENCE = { owner: randomUUID(), name: 'audit-columns', value: { hidden: ['sourceIp'], widths: { actor: 210 } } };
/** A user's passkey: public data, in a table of its own that a backup carries too. */
export const PASSKEY = {
  credentialId: 'cHJvb2YtY3JlZGVudGlhbC1pZA',
  userGuid: randomUUID(),
  publicKey: 'cHVibGljLWtleS1ieXRlcw',
  counter: 41,
  transports: ['internal'],
  multiDevice: true,
  backedUp: true,
  name: 'Work laptop',
  createdAt: 1_700_000_000_000,
};
export const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

export function folder(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `latchkey-${name}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh, empty PostgreSQL database; its URL. */
export async function postgres(): Promise<string> {
  const scratch = await createScratchDatabase('postgres');
  cleanups.push(() => scratch.drop());
  return scratch.options.databaseUrl!;
}

export function configFor(dataDir: string, databaseUrl?: string): Config {
  return loadConfig({
    env: {},
    base: {
      dataDir,
      ...(databaseUrl ? { database: { url: databaseUrl } } : {}),
      directory: devDirectorySettings(facts),
      ui: { organisation: 'Backup Test Ltd' },
    },
  });
}

export function event(detail: string): AuditEvent {
  return {
    at: Date.now(),
    category: 'self-service',
    actor: facts.users.staff[0]!,
    actorName: 'Backup Person',
    action: 'question-right',
    outcome: 'success',
    sourceIp: '192.0.2.7',
    detail,
  };
}

/** What a seeded portal held, to compare the restored one with. */
export interface Seeded {
  config: Config;
  userGuid: string;
  audit: AuditEntry[];
  /** The id of an event deleted before the backup: it must never be handed out again. */
  deletedId: number;
  keyText: string;
}

/** Starts a portal on `config` and gives it an enrollment, audit events, a throttle counter, a preference, a passkey, an authenticator app and recovery codes. */
export async function seed(config: Config): Promise<Seeded> {
  const app = await createApp(config, { logger: false, env: {} });
  try {
    const userGuid = randomUUID();
    const answers = await Promise.all(ANSWERS.map(async ([question, answer]) => ({ question, answerHash: await hashAnswer(answer) })));
    await app.store.enrollments.save({ userGuid, username: facts.users.staff[0]!, email: 'a@latchkey.test', mobile: '+15550100999', answers, now: Date.now() });
    for (let step = 0; step < 5; step++) await app.store.audit.record(event(`step ${step}`));
    const deletedId = await app.store.audit.record(event('deleted'));
    await app.store.db.deleteFrom('audit_events').where('id', '=', deletedId).execute();
    for (let hit = 0; hit < 3; hit++) await app.store.throttle.hit(THROTTLE_KEY, 3_600_000, Date.now());
    await app.store.preferences.set(PREFERENCE.owner, PREFERENCE.name, PREFERENCE.value, Date.now());
    await app.store.passkeys.add(PASSKEY);
    await app.store.totp.bind({ userGuid, sealedSecret: await app.ctx.secrets.seal(totpSecretName(userGuid), TOTP_SECRET), now: Date.now() });
    await app.store.recoveryCodes.replace({ userGuid, codeHashes: ['hash-1', 'hash-2'], now: Date.now() });
    return { config, userGuid, deletedId, audit: await app.store.audit.query(), keyText: readFileSync(masterKeyFile(config), 'utf8').trim() };
  } finally {
    await app.close();
  }
}

/** Starts a portal on the restored `config` and checks that it works as the seeded one did. */
export async function assertRestored(config: Config, seeded: Seeded, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const app = await createApp(config, { logger: false, env });
  try {
    const enrollment = await app.store.enrollments.get(seeded.userGuid);
    assert.deepEqual(
      enrollment?.answers.map((answer) => answer.question),
      ANSWERS.map(([question]) => question),
    );
    assert.equal(await verifyAnswer(enrollment!.answers[0]!.answerHash, ' REX '), true, 'the enrolled answer still verifies');
    assert.equal(await verifyAnswer(enrollment!.answers[1]!.answerHash, 'York'), false);
    assert.ok(await app.directory.findUser(facts.users.staff[0]!), 'the service account binds with the restored secret');
    assert.deepEqual(await app.store.audit.query(), seeded.audit, 'the audit, row for row');
    assert.equal(await app.store.throttle.peek(THROTTLE_KEY, Date.now()), 3);
    assert.deepEqual(await app.store.preferences.get(PREFERENCE.owner, PREFERENCE.name), PREFERENCE.value, 'the preferences travelled');
    assert.deepEqual(await app.store.passkeys.list(PASSKEY.userGuid), [{ ...PASSKEY, lastUsedAt: null }], 'the passkeys travelled');
    const totp = await app.store.totp.get(seeded.userGuid);
    assert.equal(await app.ctx.secrets.open(totpSecretName(seeded.userGuid), totp!.sealedSecret), TOTP_SECRET, 'the authenticator app travelled, and opens');
    assert.equal(await app.store.recoveryCodes.left(seeded.userGuid), 2, 'the recovery codes travelled');
    const fresh = await app.store.audit.record(event('after the restore'));
    assert.ok(fresh > seeded.deletedId, `a new event gets a fresh id (${fresh} > ${seeded.deletedId}, the highest ever used)`);
  } finally {
    await app.close();
  }
  if (env.LATCHKEY_MASTER_KEY) return;
  assert.equal(readFileSync(masterKeyFile(config), 'utf8').trim(), seeded.keyText, 'the master key travelled');
  assert.equal(statSync(masterKeyFile(config)).mode & 0o777, 0o600);
}

/** Fails when `bytes` hold one of `secrets` as text (UTF-8, UTF-16, base64, hex) or raw bytes. */
export function assertNoSecret(bytes: Buffer, secrets: ReadonlyArray<string | Buffer>): void {
  for (const secret of secrets) {
    const raw = Buffer.from(secret);
    const forms = [
      raw,
      Buffer.from(raw.toString('base64')),
      Buffer.from(raw.toString('hex')),
      ...(typeof secret === 'string' ? [Buffer.from(secret, 'utf16le')] : []),
    ];
    for (const form of forms) assert.equal(bytes.indexOf(form), -1, 'the backup holds a secret in clear');
  }
}

/** The tables of a PostgreSQL database's public schema. */
export async function pgTables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ name: string }>("select table_name as name from information_schema.tables where table_schema = 'public' order by 1")).rows.map(
      (row) => row.name,
    );
  } finally {
    await client.end();
  }
}

export async function timed<T>(work: Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  return [await work, Date.now() - started];
}
