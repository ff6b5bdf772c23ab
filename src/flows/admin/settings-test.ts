/**
 * The console's "test" buttons: try the directory, SMTP or SMS settings as typed (before saving)
 * and say what happened in words, or the exact failure.
 */
import type { RuntimeSection, RuntimeSettings } from '../../config/schema.ts';
import { runtimeSchema } from '../../config/schema.ts';
import { createMailer } from '../../notify/mailer.ts';
import { createSmsSender } from '../../notify/sms.ts';
import { directoryFor, type Runtime } from '../../runtime.ts';

/** Tests `section` with the submitted values (stored secrets fill empty secret fields). */
export async function testSection(runtime: Runtime, section: RuntimeSection, values: Record<string, unknown> | null, form: Record<string, unknown>): Promise<string> {
  const parsed = runtimeSchema.shape[section].safeParse(runtime.settings.withStoredSecrets(section, values));
  if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  switch (section) {
    case 'directory': {
      const directory = directoryFor(parsed.data as RuntimeSettings['directory']);
      try {
        const info = await directory.domain();
        const hints = info.policyHintsOid ? `supports the password-policy-hints control (${info.policyHintsOid})` : 'lists no password-policy-hints control (resets are not checked against the history)';
        return `connected over TLS and bound as the service account; domain ${info.dnsDomain} (${info.netbiosDomain}); the DC ${hints}`;
      } finally {
        await directory.close();
      }
    }
    case 'smtp': {
      const settings = parsed.data as RuntimeSettings['smtp'];
      if (!settings) return 'e-mail is switched off';
      const mailer = createMailer(settings);
      try {
        await mailer.verify();
        return `connected to ${settings.host}:${settings.port}${settings.user ? ` and signed in as ${settings.user}` : ''}`;
      } finally {
        mailer.close();
      }
    }
    case 'sms': {
      const settings = parsed.data as RuntimeSettings['sms'];
      if (!settings) return 'text messages are switched off';
      const to = typeof form.testNumber === 'string' ? form.testNumber : '';
      if (!to.trim()) throw new Error('type a mobile number to send the test message to');
      await createSmsSender(settings).send({ to, body: 'Latchkey: this is a test message from the admin console.' });
      return `a test message was accepted by the gateway for ${to}`;
    }
    default:
      return 'these settings need no connection test';
  }
}
