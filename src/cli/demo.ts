/**
 * Demo mode: the portal against the throwaway dev domain (scripts/dev-ad), with e-mail and
 * text messages captured and shown at /dev/outbox instead of being sent. It exists only as this
 * command, which refuses anything but loopback addresses: no setting can turn it on in a real
 * deployment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../app.ts';
import { loadConfig } from '../config/load.ts';
import { createError } from '../errors.ts';
import type { SmsPort } from '../notify/ports.ts';
import type { CapturedMessage } from '../web/routes/demo.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DevDomainMissing = createError<{ file: string }>(
  'LK_DEMO_NO_DEV_DOMAIN',
  (d) => `There is no dev domain at ${d.file}. Run scripts/dev-ad up first (npm run demo does), or point LATCHKEY_DEV_AD_DIR at its folder.`,
  500,
);

export const DemoNotLoopback = createError(
  'LK_DEMO_NOT_LOOPBACK',
  'Demo mode runs only against a loopback directory and on a loopback address. Use 127.0.0.1 (or ::1) for both.',
  400,
);

interface DevFacts {
  url: string;
  caFile: string;
  dnsDomain: string;
  netbiosDomain: string;
  serviceAccount: { dn: string; password: string };
  delegatedOus: string[];
  userPassword: string;
  users: { staff: string[] };
}

/** The directory settings (config-file shape) for the dev domain scripts/dev-ad describes. */
export function devDirectorySettings(facts: Pick<DevFacts, 'url' | 'caFile' | 'serviceAccount' | 'delegatedOus'>) {
  return {
    urls: [facts.url],
    caFile: facts.caFile,
    bindDn: facts.serviceAccount.dn,
    bindPassword: facts.serviceAccount.password,
    searchBases: facts.delegatedOus,
  };
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

export async function runDemo(options: { port: number; host: string }): Promise<void> {
  const factsFile = join(process.env.LATCHKEY_DEV_AD_DIR ?? join(root, '.dev-ad'), 'connection.json');
  if (!existsSync(factsFile)) throw DevDomainMissing({ file: factsFile });
  const facts = JSON.parse(readFileSync(factsFile, 'utf8')) as DevFacts;
  if (!isLoopback(new URL(facts.url).hostname) || !isLoopback(options.host)) {
    throw DemoNotLoopback({});
  }
  // The SMTP sink is a development tool; it is loaded only here.
  const { startOutbox } = await import('../notify/outbox.ts');
  const mailSink = await startOutbox();
  const texts: CapturedMessage[] = [];
  const sms: SmsPort = {
    async send({ to, body }) {
      texts.unshift({ kind: 'text message', to, subject: '', text: body, date: new Date() });
    },
  };
  // Browsers allow passkeys for a host name only, and treat http://localhost as secure.
  const url = `http://${options.host === '127.0.0.1' ? 'localhost' : options.host}:${options.port}`;
  const config = loadConfig({
    env: {},
    base: {
      dataDir: join(dirname(factsFile), 'demo-data'),
      server: { host: options.host, port: options.port, publicUrl: url },
      directory: devDirectorySettings(facts),
      smtp: { host: '127.0.0.1', port: mailSink.port, security: 'none', from: 'Latchkey demo <noreply@latchkey.test>' },
      ui: { organisation: 'Latchkey demo' },
      helpdesk: { groups: [{ group: 'Latchkey Helpdesk', scopes: facts.delegatedOus }] },
      protection: { responseDelayMs: { min: 100, max: 300 } },
      // Every factor on show: a passkey alone, or any two of the others.
      factors: {
        offered: ['questions', 'code', 'totp', 'passkey', 'recovery'],
        reset: [
          { need: 1, of: ['passkey'] },
          { need: 2, of: ['questions', 'code', 'totp', 'recovery'] },
        ],
        unlock: [
          { need: 1, of: ['passkey'] },
          { need: 2, of: ['questions', 'code', 'totp', 'recovery'] },
        ],
      },
    },
  });
  const app = await createApp(config, {
    sms,
    outbox: {
      messages: () =>
        [
          ...mailSink
            .messages()
            .map(
              (message): CapturedMessage => ({ kind: 'e-mail', to: message.to.join(', '), subject: message.subject, text: message.text, date: message.date }),
            ),
          ...texts,
        ].sort((a, b) => b.date.getTime() - a.date.getTime()),
    },
  });
  await app.server.listen({ host: options.host, port: options.port });
  const user = facts.users.staff[0];
  process.stdout.write(`
Latchkey demo is running at ${url}  (Ctrl+C stops it)

  Try a reset as ${user}, whose password is ${facts.userPassword}:
  1. ${url}/enroll   sign in as ${user}, pick three questions, answer them, save
  2. ${url}/reset    type ${user}, choose security questions and answer them,
                        then choose a code, by e-mail
  3. ${url}/dev/outbox   read the code, type it, choose a new password

  At ${url}/me you can also set up an authenticator app, recovery codes and a passkey
  (a passkey alone then resets the password; the others count two together).

  Other people of the demo domain: ${facts.users.staff.slice(1, 6).join(', ')} … (same password).
  Your own account pages: ${url}/me   The helpdesk: ${url}/helpdesk as hd-olivia (same password).
  The admin console: ${url}/admin as lk-admin (same password).
`);
  const stop = async () => {
    await app.close();
    await mailSink.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
