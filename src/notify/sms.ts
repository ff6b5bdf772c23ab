/**
 * Text messages through Twilio or a generic HTTP gateway, over Node's fetch with a deadline.
 * Every failure is an `LK_SMS_FAILED` whose details name the gateway and its answer, never the
 * auth token or the message (it holds the code).
 */
import { SmsFailed, type SmsFailure, TLS_ERROR_CODE } from './errors.ts';
import { normalizePhone } from './phone.ts';
import { type HttpGatewaySettings, httpGateway } from './sms-http.ts';
import { type TwilioSettings, twilioGateway } from './sms-twilio.ts';

export type { HttpGatewaySettings } from './sms-http.ts';
export type { TwilioSettings } from './sms-twilio.ts';

/** The SMS provider and how to reach it. */
export type SmsSettings = TwilioSettings | HttpGatewaySettings;

/** One text message. */
export interface OutgoingSms {
  /** A phone number with its country code (the flows give E.164); checked by phone.ts's rule, sent as E.164. */
  to: string;
  body: string;
}

/** Sends text messages. */
export interface SmsSender {
  /** Rejects with `LK_SMS_NUMBER_INVALID` (before any request) or `LK_SMS_FAILED`. */
  send(sms: OutgoingSms): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** A sender for `settings`; unusable settings are `LK_SMS_CONFIG` now, not at the first code. */
export function createSmsSender(settings: SmsSettings): SmsSender {
  const gateway = settings.provider === 'twilio' ? twilioGateway(settings) : httpGateway(settings);
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const failed = (details: SmsFailure, cause?: unknown) => SmsFailed({ provider: gateway.provider, server: gateway.server, ...details }, { cause });

  return {
    async send(sms) {
      const { url, init } = gateway.request(normalizePhone(sms.to), sms.body);
      let failure: SmsFailure | null;
      try {
        // A redirect is reported, not followed: it would carry the credentials and the code elsewhere.
        const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
        failure = await gateway.check(response);
      } catch (error) {
        throw failed(networkFailure(error, timeoutMs), error);
      }
      if (failure) throw failed(failure);
    },
  };
}

/** A fetch that threw: no answer in time, or no connection. */
function networkFailure(error: unknown, timeoutMs: number): SmsFailure {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return { reason: 'timeout', error: `no complete answer within ${timeoutMs} ms` };
  }
  // fetch reports "fetch failed"; the socket's own error is the cause.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  const words = cause instanceof Error ? cause.message : String(cause);
  return {
    reason: code && TLS_ERROR_CODE.test(code) ? 'tls' : 'unreachable',
    error: code && !words.includes(code) ? `${code}: ${words}` : words,
  };
}
