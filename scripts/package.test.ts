/**
 * The Debian package of `npm run package`, installed on this machine as an admin would: what
 * the .deb holds, the user and folders postinst makes, the unit by systemd's own checks, the
 * installed `latchkey` running check-config, doctor and the portal as the service user against
 * the dev domain (a person enrolls and resets a password through HTTP), and an upgrade to the
 * next version that keeps the data. Run by .ci/run only, as root on a machine without Latchkey:
 *   LATCHKEY_DEV_AD_DIR=… node --import tsx --test scripts/package.test.ts
 * It removes what it installed at the end (the package, its user and folders).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'ldapts';
import { stringify } from 'yaml';
import { devDirectorySettings } from '../src/cli/demo.ts';
import { type Outbox, startOutbox } from '../src/notify/outbox.ts';
import { adminClient, bindAs, createUser, devDomain, freshPassword, removeEntries, type TestUser } from '../src/testing/dev-domain.ts';
import { httpWebClient, keepAlive } from '../src/testing/http-client.ts';
import { enroll, resetPassword } from '../src/testing/journeys.ts';
import { freePort } from '../src/testing/ports.ts';
import { startServed } from '../src/testing/served-portal.ts';

const root = join(import.meta.dirname, '..');
const facts = devDomain();
/** As the unit runs the portal: as the service user, the command itself the process (setpriv execs; runuser would stay between and kill on SIGTERM). */
const AS_UNIT = ['setpriv', '--reuid=latchkey', '--regid=latchkey', '--init-groups', '--'];
/** The commands run with no LATCHKEY_* of the test run's own, as from an admin's shell. */
const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
let outbox: Outbox;
let admin: Client;
let user: TestUser;
let port: number;

/** Runs a command without blocking this process: the SMTP server the portal sends to runs here. */
async function sh(command: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(command, args, { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, out: Buffer.concat(chunks).toString('utf8') };
}

async function ok(command: string, args: string[]): Promise<string> {
  const { code, out } = await sh(command, args);
  assert.equal(code, 0, `${command} ${args.join(' ')}:\n${out}`);
  return out;
}

/** Builds the package (at `packageVersion`, else package.json's); its file and how long the build took. */
function buildPackage(packageVersion?: string): { deb: string; seconds: number } {
  const started = performance.now();
  const result = spawnSync('npm', ['run', '--silent', 'package', ...(packageVersion ? ['--', '--version', packageVersion] : [])], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  assert.equal(result.status, 0, 'npm run package');
  return { deb: join(root, result.stdout.trim().split('\n').at(-1)!), seconds: (performance.now() - started) / 1000 };
}

async function mode(path: string): Promise<{ mode: string; owner: string }> {
  const [octal, owner] = (await ok('stat', ['-c', '%a %U:%G', path])).trim().split(' ');
  return { mode: octal!, owner: owner! };
}

/** A reset through HTTP against the installed portal, started as the unit starts it. */
async function resetAgainstInstalled(enrollFirst: boolean): Promise<void> {
  const served = await startServed([...AS_UNIT, 'latchkey', 'serve'], { port, env: ENV });
  try {
    const client = httpWebClient(port, keepAlive(1), { ip: '192.0.2.20' });
    if (enrollFirst) await enroll(client, user);
    const next = freshPassword();
    await resetPassword(client, user, { address: `${user.sam}@${facts.dnsDomain}`, outbox }, next);
    assert.equal(await bindAs(user.dn, next), 'ok');
  } finally {
    assert.equal(await served.stop(), 0, `a clean stop:\n${served.output.join('')}`);
  }
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Set once this machine was found without Latchkey: only then does the end remove it all. */
let clean = false;

before(async () => {
  assert.equal(process.getuid?.(), 0, 'installs a package: run as root');
  assert.ok((await sh('dpkg-query', ['-W', 'latchkey'])).code !== 0 && !existsSync('/var/lib/latchkey'), 'a machine without Latchkey installed');
  clean = true;
  outbox = await startOutbox();
  admin = await adminClient();
  user = await createUser(admin);
  port = await freePort();
});

after(async () => {
  if (clean) {
    await sh('dpkg', ['--purge', 'latchkey']);
    rmSync('/var/lib/latchkey', { recursive: true, force: true });
    rmSync('/etc/latchkey', { recursive: true, force: true });
    await sh('deluser', ['--quiet', '--system', 'latchkey']);
  }
  if (user) await removeEntries(admin, [user.dn]);
  await admin?.unbind();
  await outbox?.close();
});

describe('the Debian package', () => {
  let deb: string;
  let version: string;

  test('holds the portal, the runtime, the command and the unit; no development modules', async (t) => {
    const built = buildPackage();
    deb = built.deb;
    t.diagnostic(`npm run package: ${built.seconds.toFixed(0)} s, ${(statSync(deb).size / 1e6).toFixed(0)} MB`);
    version = (await ok('dpkg-deb', ['-f', deb, 'Version'])).trim();
    assert.equal(
      version,
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version.replace(/-/g, '~'),
      "package.json's version, a pre-release before its release",
    );
    assert.equal(
      (await ok('dpkg-deb', ['-f', deb, 'Package', 'Architecture', 'Depends'])).trim(),
      'Package: latchkey\nArchitecture: amd64\nDepends: adduser, libc6 (>= 2.28), libstdc++6, libgcc-s1',
    );
    const listing = await ok('dpkg-deb', ['-c', deb]);
    // path → "mode owner/group", from lines like `-rwxr-xr-x root/root 389 2026-12-01 22:34 ./usr/bin/latchkey`.
    const entries = new Map(
      listing
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(/\s+/))
        .map((fields) => [fields[5], `${fields[0]} ${fields[1]}`]),
    );
    assert.deepEqual(
      Object.fromEntries(
        [
          './usr/bin/latchkey',
          './usr/lib/latchkey/node/bin/node',
          './usr/lib/latchkey/dist/cli/main.js',
          './lib/systemd/system/latchkey.service',
          './etc/latchkey/latchkey.yaml',
        ].map((path) => [path, entries.get(path)]),
      ),
      {
        './usr/bin/latchkey': '-rwxr-xr-x root/root',
        './usr/lib/latchkey/node/bin/node': '-rwxr-xr-x root/root',
        './usr/lib/latchkey/dist/cli/main.js': '-rw-r--r-- root/root',
        './lib/systemd/system/latchkey.service': '-rw-r--r-- root/root',
        // The group (latchkey) is set by postinst, once the group exists.
        './etc/latchkey/latchkey.yaml': '-rw-r----- root/root',
      },
    );
    assert.ok(entries.has('./usr/lib/latchkey/node_modules/better-sqlite3/prebuilds/linux-x64.node'), "the SQLite addon for this machine's platform");
    assert.doesNotMatch(listing, /better-sqlite3\/prebuilds\/(?!linux-x64\.node$)\S/m, "no other platform's addon");
    for (const development of ['typescript', 'tsx', 'smtp-server', 'playwright-core']) {
      assert.doesNotMatch(listing, new RegExp(`/node_modules/${development}/`), development);
    }
    const writable = listing.split('\n').filter((line) => /^[-d](.{4}|.{7})w/.test(line));
    assert.deepEqual(writable, [], 'nothing writable by group or others');
  });

  test('installs: a nologin system user, /etc/latchkey root:latchkey 0750, /var/lib/latchkey latchkey 0700', async () => {
    await ok('dpkg', ['-i', deb]);
    const [, , uid, , , home, shell] = (await ok('getent', ['passwd', 'latchkey'])).trim().split(':');
    assert.ok(Number(uid) < 1000, 'a system user');
    assert.equal(home, '/var/lib/latchkey');
    assert.equal(shell, '/usr/sbin/nologin');
    assert.deepEqual(await mode('/etc/latchkey'), { mode: '750', owner: 'root:latchkey' });
    assert.deepEqual(await mode('/etc/latchkey/latchkey.yaml'), { mode: '640', owner: 'root:latchkey' });
    assert.deepEqual(await mode('/var/lib/latchkey'), { mode: '700', owner: 'latchkey:latchkey' });
    assert.match(await ok('latchkey', ['--help']), /Usage: latchkey/);
  });

  test('its unit is docs/latchkey.service, passes systemd-analyze verify and scores at most 2.0', async () => {
    const unit = '/lib/systemd/system/latchkey.service';
    assert.equal(readFileSync(unit, 'utf8'), readFileSync(join(root, 'docs', 'latchkey.service'), 'utf8'));
    await ok('systemd-analyze', ['verify', unit]);
    const security = await ok('systemd-analyze', ['security', '--offline=yes', '--threshold=20', unit]);
    const exposure = Number(/Overall exposure level for latchkey\.service: (\d+\.\d)/.exec(security)?.[1]);
    assert.ok(exposure <= 2, `exposure ${exposure}`);
  });

  test('check-config and doctor pass as the service user against the dev domain', async () => {
    // The service user reads the DC's CA where an admin would put it.
    copyFileSync(facts.caFile, '/etc/latchkey/dev-ca.pem');
    await ok('chown', ['root:latchkey', '/etc/latchkey/dev-ca.pem']);
    writeFileSync(
      '/etc/latchkey/latchkey.yaml',
      stringify({
        dataDir: '/var/lib/latchkey',
        server: { host: '127.0.0.1', port, behindTlsProxy: true, trustedProxies: ['127.0.0.1'], publicUrl: 'https://passwords.latchkey.test' },
        directory: { ...devDirectorySettings(facts), caFile: '/etc/latchkey/dev-ca.pem' },
        smtp: { host: '127.0.0.1', port: outbox.port, security: 'none', from: 'Latchkey <noreply@latchkey.test>' },
        protection: { responseDelayMs: { min: 0, max: 0 } },
        codes: { resendCooldownSeconds: 0 },
      }),
    );
    assert.match(await ok('runuser', ['-u', 'latchkey', '--', 'latchkey', 'check-config']), /valid/);
    const doctor = await sh('runuser', ['-u', 'latchkey', '--', 'latchkey', 'doctor']);
    assert.equal(doctor.code, 0, doctor.out);
  });

  test('the installed portal, run as the service user, takes a person through enrollment and a reset', async () => {
    await resetAgainstInstalled(true);
    assert.deepEqual(await mode('/var/lib/latchkey/master.key'), { mode: '600', owner: 'latchkey:latchkey' });
  });

  test('an upgrade to the next version keeps the data: the enrollment still verifies', async (t) => {
    const key = sha256('/var/lib/latchkey/master.key');
    const config = readFileSync('/etc/latchkey/latchkey.yaml', 'utf8');
    const next = `${version}+1`;
    const built = buildPackage(next);
    t.diagnostic(`npm run package (runtime and modules cached): ${built.seconds.toFixed(0)} s`);
    await ok('dpkg', ['-i', built.deb]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template literal
    assert.equal(await ok('dpkg-query', ['-W', '-f', '${Version}', 'latchkey']), next);
    assert.equal(sha256('/var/lib/latchkey/master.key'), key, 'the master key is the same file');
    assert.equal(readFileSync('/etc/latchkey/latchkey.yaml', 'utf8'), config, "the admin's configuration is kept");
    assert.deepEqual(await mode('/etc/latchkey/latchkey.yaml'), { mode: '640', owner: 'root:latchkey' });
    await resetAgainstInstalled(false);
  });
});
