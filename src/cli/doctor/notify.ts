/** The senders: the mail server and the SMS gateway answer. Nothing is sent. */
import type { RuntimeSettings } from '../../config/schema.ts';
import { LatchkeyError } from '../../errors.ts';
import { createMailer } from '../../notify/mailer.ts';
import { httpGateway } from '../../notify/sms-http.ts';
import { twilioGateway } from '../../notify/sms-twilio.ts';
import { type CheckResult, describeError, failure, result } from './report.ts';

/** How long the SMS gateway may take to answer the reachability probe. */
const GATEWAY_TIMEOUT_MS = 5_000;

/** The mail server answers (and accepts the login, when one is set). */
export async function smtpCheck(settings: RuntimeSettings): Promise<CheckResult> {
  const smtp = settings.smtp;
  if (!smtp)
    return result('WARN', 'smtp', 'not configured: no codes or notices by e-mail', [
      'fix: configure SMTP in the admin console if users should get codes by e-mail',
    ]);
  const mailer = createMailer(smtp);
  try {
    await mailer.verify();
    const summary = `${smtp.host}:${smtp.port} answers (${smtp.security}${smtp.user ? `, signed in as ${smtp.user}` : ''})`;
    if (smtp.security === 'none') {
      return result(
        'WARN',
        'smtp',
        `${summary}, unencrypted: codes and notices cross the network readable${smtp.user ? ', and so does the SMTP password' : ''}`,
        ['fix: set security to starttls (port 587) or tls (port 465) in the admin console, if the mail server offers it'],
      );
    }
    return result('PASS', 'smtp', summary);
  } catch (error) {
    return failure('smtp', error, ['fix: check the SMTP host, port, security and login in the admin console']);
  } finally {
    mailer.close();
  }
}

/**
 * The SMS gateway is configured and its host answers. Nothing is sent: a HEAD request
 * to the gateway's origin carries neither the credentials nor a message, and any HTTP answer
 * shows that the name resolves and the TLS certificate is trusted.
 */
export async function smsCheck(settings: RuntimeSettings): Promise<CheckResult> {
  const sms = settings.sms;
  if (!sms)
    return result('WARN', 'sms', 'not configured: no codes by text message', [
      'fix: configure an SMS gateway in the admin console if users should get codes by text message',
    ]);
  try {
    const gateway = sms.provider === 'twilio' ? twilioGateway(sms) : httpGateway(sms);
    const origin = new URL(gateway.server).origin;
    const response = await fetch(origin, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(GATEWAY_TIMEOUT_MS) });
    await response.body?.cancel();
    return result('PASS', 'sms', `${sms.provider} gateway ${origin} answers (HTTP ${response.status}); no message was sent`);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return failure('sms', error instanceof LatchkeyError ? error : new Error(`the gateway does not answer (${describeError(error)}${cause})`), [
      'fix: check the gateway URL, and that this machine resolves and reaches it',
    ]);
  }
}
