import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rejectsWithCode } from '../testing/assertions.ts';
import { loadConfig } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const minimal = `
directory:
  urls: [ldaps://dc1.corp.example]
  bindDn: svc-latchkey@corp.example
  bindPassword: from-the-file
`;

function configFile(text: string): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** The problems listed by an LK_CONFIG_INVALID error. */
async function problemsOf(load: () => unknown): Promise<string[]> {
  const error = await rejectsWithCode(Promise.resolve().then(load), 'LK_CONFIG_INVALID');
  return error.details.problems as string[];
}

test('a minimal file gets the documented defaults', () => {
  const config = loadConfig({ file: configFile(minimal), env: {} });
  assert.equal(config.server.port, 8080);
  assert.equal(config.verification.questionsToAsk, 2);
  assert.equal(config.enrollment.questionsToEnroll, 3);
  assert.equal(config.codes.lifetimeMinutes, 10);
  assert.equal(config.codes.maxFailures, 5);
  assert.equal(config.protection.honeypot, true);
  assert.equal(config.protection.allowProtectedAccounts, false);
  assert.deepEqual(config.protection.responseDelayMs, { min: 400, max: 900 });
  assert.equal(config.directory!.startTls, true);
  assert.ok(config.enrollment.questions.length >= 5);
});

test('environment variables override the file, typed as each setting wants', () => {
  const config = loadConfig({
    file: configFile(minimal),
    env: {
      LATCHKEY_DIRECTORY__BIND_PASSWORD: '12345678', // stays a string
      LATCHKEY_SERVER__PORT: '9443',
      LATCHKEY_PROTECTION__HONEYPOT: 'false',
      LATCHKEY_DIRECTORY__URLS: 'ldaps://dc1.corp.example, ldaps://dc2.corp.example',
      LATCHKEY_PROTECTION__PER_USER__MAX: '3',
      LATCHKEY_SMS__PROVIDER: 'http',
      LATCHKEY_SMS__URL: 'https://sms.example/send',
      LATCHKEY_SMS__HEADERS: '{"X-Key":"k"}',
      DATABASE_URL: 'postgres://latchkey@db.example/latchkey',
    },
  });
  assert.equal(config.directory!.bindPassword, '12345678');
  assert.equal(config.server.port, 9443);
  assert.equal(config.protection.honeypot, false);
  assert.deepEqual(config.directory!.urls, ['ldaps://dc1.corp.example', 'ldaps://dc2.corp.example']);
  assert.equal(config.protection.perUser.max, 3);
  assert.equal(config.database.url, 'postgres://latchkey@db.example/latchkey');
  assert.deepEqual(config.sms, { provider: 'http', url: 'https://sms.example/send', method: 'POST', headers: { 'X-Key': 'k' }, body: '' });
});

test('the environment alone is enough', () => {
  const config = loadConfig({
    env: {
      LATCHKEY_DIRECTORY__URLS: '["ldaps://dc1.corp.example"]',
      LATCHKEY_DIRECTORY__BIND_DN: 'CORP\\svc',
      LATCHKEY_DIRECTORY__BIND_PASSWORD: 'p',
    },
  });
  assert.equal(config.directory!.bindDn, 'CORP\\svc');
});

test('every bad setting is named, with what is wrong', async () => {
  const problems = await problemsOf(() =>
    loadConfig({
      file: configFile(`
server: { port: 70000 }
directroy: {}
directory:
  urls: [http://dc1.corp.example]
  bindDn: svc
protection:
  responseDelayMs: { min: 900, max: 100 }
`),
      env: { LATCHKEY_SERVER__HOST: '' },
    }),
  );
  const text = problems.join('\n');
  assert.match(text, /server\.port: .*65535/);
  assert.match(text, /unknown setting directroy/);
  assert.match(text, /directory\.urls\[0\]: must be ldaps:\/\/host/);
  assert.match(text, /directory\.bindPassword: is required/);
  assert.match(text, /protection\.responseDelayMs\.max: max must not be below min/);
  assert.match(text, /server\.host/);
});

test("the admins' addresses are bare addresses, as the mailer sends only to those", async () => {
  const base = { directory: { urls: ['ldaps://dc1.corp.example'], bindDn: 'svc', bindPassword: 'x' } };
  const problems = await problemsOf(() =>
    loadConfig({
      env: {},
      base: { ...base, notifications: { adminEmails: ['it@corp.example', 'IT <evil@example.org>', 'a@corp.example, evil@example.org'] } },
    }),
  );
  assert.deepEqual(problems.filter((problem) => /adminEmails/.test(problem)).length, 2, problems.join('\n'));
  assert.deepEqual(loadConfig({ env: {}, base: { ...base, notifications: { adminEmails: [' it@corp.example '] } } }).notifications.adminEmails, [
    'it@corp.example',
  ]);
});

test('an environment variable for a setting that does not exist, or of the wrong type, is named', async () => {
  const problems = await problemsOf(() =>
    loadConfig({ file: configFile(minimal), env: { LATCHKEY_SERVER__PROT: '80', LATCHKEY_CODES__MAX_FAILURES: 'five' } }),
  );
  assert.deepEqual(problems, ['LATCHKEY_SERVER__PROT: no setting server.prot exists', 'LATCHKEY_CODES__MAX_FAILURES: expected number, got "five"']);
});

test('a YAML syntax error says where', async () => {
  const [problem] = await problemsOf(() => loadConfig({ file: configFile('directory:\n  urls: [ldaps://x\n  bindDn: : :\n'), env: {} }));
  assert.match(problem!, /not valid YAML at line \d/);
});

test('a missing file is named', async () => {
  const [problem] = await problemsOf(() => loadConfig({ file: join(dir, 'nope.yaml'), env: {} }));
  assert.match(problem!, /cannot read .*nope\.yaml: ENOENT/);
});

test("relative paths are taken from the file's folder", () => {
  const config = loadConfig({ file: configFile(`${minimal}  caFile: certs/ca.pem\ndataDir: state\n`), env: {} });
  assert.equal(config.directory!.caFile, join(dir, 'certs', 'ca.pem'));
  assert.equal(config.dataDir, join(dir, 'state'));
});

test('defaults are paths too: the data folder is beside the file; without a file, under the working directory', () => {
  assert.equal(loadConfig({ file: configFile(minimal), env: {} }).dataDir, join(dir, 'data'));
  assert.equal(loadConfig({ env: {}, cwd: '/srv/latchkey' }).dataDir, '/srv/latchkey/data');
});

test('the variables that are not settings are skipped; the file may lack the directory password once the settings are imported', () => {
  const env = { LATCHKEY_MASTER_KEY: 'k', LATCHKEY_BACKUP_PASSWORD: 'p', LATCHKEY_CONFIG: configFile('directory: { bindDn: svc }\n') };
  assert.equal(loadConfig({ env, importsSettings: false }).directory!.bindDn, 'svc');
});
