/**
 * Twilio's Programmable Messaging REST API: POST {apiBase}/2010-04-01/Accounts/{AccountSid}/Messages.json
 * with HTTP Basic auth (AccountSid:AuthToken) and a form with To, From (or MessagingServiceSid)
 * and Body. Twilio answers 201 with the new message's `sid` and `status`, and an error with a
 * JSON body `{ code, message, more_info, status }`.
 */
import { definedOnly, redact, type SmsFailure } from './errors.ts';
import { type Gateway, httpUrl, serverOf } from './sms-gateway.ts';

/** A Twilio account and the sender it sends as. */
export interface TwilioSettings {
  provider: 'twilio';
  /** `AC` and 32 hex digits. */
  accountSid: string;
  authToken: string;
  /** A Twilio number in E.164, an alphanumeric sender id, or a Messaging Service SID (`MG...`). */
  from: string;
  /** Default `https://api.twilio.com`; tests and proxies point it elsewhere. */
  apiBase?: string;
  /** Limit for the whole request, answer included. Default 10 s. */
  timeoutMs?: number;
}

const MESSAGING_SERVICE_SID = /^MG[0-9a-f]{32}$/i;

/** The parts of Twilio's answers that Latchkey reads. */
interface TwilioAnswer {
  sid?: unknown;
  code?: unknown;
  message?: unknown;
  more_info?: unknown;
}

/** The gateway for a Twilio account. */
export function twilioGateway(settings: TwilioSettings): Gateway {
  const base = httpUrl(settings.apiBase ?? 'https://api.twilio.com', 'apiBase');
  const url = new URL(`${base.href.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`);
  const headers = {
    Authorization: `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`,
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  // A sender id could start with "MG" too; only the full SID shape means a Messaging Service.
  const sender = MESSAGING_SERVICE_SID.test(settings.from) ? 'MessagingServiceSid' : 'From';
  const text = (value: unknown) => (typeof value === 'string' ? redact(value, [settings.authToken]) : undefined);
  const code = (value: unknown) => (typeof value === 'number' || typeof value === 'string' ? value : undefined);

  return {
    provider: 'twilio',
    server: serverOf(url),
    request(to, message) {
      const form = new URLSearchParams([
        ['To', to],
        [sender, settings.from],
        ['Body', message],
      ]);
      return { url, init: { method: 'POST', headers, body: form.toString() } };
    },
    async check(response): Promise<SmsFailure | null> {
      const answer = await readJson(response);
      const status = response.status;
      if (!response.ok) {
        return definedOnly<SmsFailure>({
          reason: 'rejected',
          status,
          providerCode: code(answer?.code),
          providerMessage: text(answer?.message),
          moreInfo: text(answer?.more_info),
        });
      }
      // Anything else answering 2xx (a proxy's page, a wrong apiBase) has not sent a message.
      if (typeof answer?.sid !== 'string') {
        return { reason: 'bad-response', status, error: 'the answer does not name a new message (no sid)' };
      }
      return null;
    },
  };
}

async function readJson(response: Response): Promise<TwilioAnswer | null> {
  const body = await response.text();
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' ? (value as TwilioAnswer) : null;
  } catch {
    return null; // e.g. a proxy's HTML error page: the status alone must do
  }
}
