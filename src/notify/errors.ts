/**
 * The coded errors of e-mail and SMS delivery. The message is for the user waiting for a code;
 * the details are for the administrator's log and name the server and what it answered, never
 * a password, a token or the message text (it may hold a verification code).
 */
import { createError } from '../errors.ts';

/** Why an e-mail could not be handed to the mail server. */
export type MailFailureReason =
  | 'unreachable'
  | 'tls'
  | 'starttls-unavailable'
  | 'auth'
  | 'sender-refused'
  | 'recipient-refused'
  /** Refused before sending: a recipient that is not one bare address. */
  | 'recipient-invalid'
  | 'message-refused'
  | 'other';

/** What the administrator's log gets about a failed e-mail. */
export type MailFailureDetails = {
  /** host:port of the mail server. */
  server: string;
  reason: MailFailureReason;
  /** The failure in the words of the network or the SMTP client. */
  error: string;
  /** The SMTP command the server refused, e.g. `RCPT TO`. */
  command?: string;
  /** The server's reply code, e.g. 535 or 550. */
  responseCode?: number;
  /** The server's reply text. */
  response?: string;
};

export const MailFailed = createError<MailFailureDetails>(
  'LK_MAIL_FAILED',
  'We could not send the e-mail. Try again in a few minutes, or choose another way to receive the code.',
  502,
);

export const MailConfigInvalid = createError<{ reason: string }>(
  'LK_MAIL_CONFIG',
  (d) => `The e-mail (SMTP) settings are not usable: ${d.reason}. An administrator must correct them.`,
  500,
);

/** Why a text message could not be handed to the SMS gateway. */
export type SmsFailureReason = 'unreachable' | 'timeout' | 'tls' | 'rejected' | 'bad-response';

/** What went wrong with a text message, as the gateway's answer (or its silence) tells. */
export type SmsFailure = {
  reason: SmsFailureReason;
  /** The HTTP status the gateway answered with. */
  status?: number;
  /** The provider's own error code, e.g. Twilio's 21211. */
  providerCode?: string | number;
  /** The provider's own error message. */
  providerMessage?: string;
  /** Where the provider documents the error. */
  moreInfo?: string;
  /** A network or protocol failure in words. */
  error?: string;
};

/** What the administrator's log gets about a failed text message. */
export type SmsFailureDetails = {
  provider: 'twilio' | 'http';
  /** The gateway's URL without its query (which may carry a key or the message). */
  server: string;
} & SmsFailure;

export const SmsFailed = createError<SmsFailureDetails>(
  'LK_SMS_FAILED',
  'We could not send the text message. Try again in a few minutes, or choose another way to receive the code.',
  502,
);

/** Why a typed number cannot take a text message. */
export type PhoneProblem =
  /** Letters (a vanity number, an extension) or signs other than spaces, dashes, dots, slashes and brackets. */
  | 'characters'
  /** Too few or too many digits for a phone number of its country. */
  | 'length'
  /** Written without + and a country code, and no default region to read it in. */
  | 'no-country-code'
  /** + followed by digits that are no country's calling code. */
  | 'unknown-country-code'
  /** A landline, toll-free, premium or other number that cannot receive texts. */
  | 'not-mobile';

/** A number a text was to go to that cannot take one (phone.ts says why). */
export const SmsNumberInvalid = createError<{ reason: PhoneProblem; digits: number }>(
  'LK_SMS_NUMBER_INVALID',
  'This phone number cannot receive text messages: write it with + and the country code ' +
    '(for example +44 7700 900123), using only digits, spaces, dashes, dots and brackets.',
  422,
);

export const SmsConfigInvalid = createError<{ reason: string }>(
  'LK_SMS_CONFIG',
  (d) => `The SMS gateway settings are not usable: ${d.reason}. An administrator must correct them.`,
  500,
);

/** Error codes of a TLS handshake or certificate check that failed, as Node and OpenSSL name them. */
export const TLS_ERROR_CODE = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|HOSTNAME|ALTNAME|^EPROTO$/;

/** `record` without its undefined entries, so details hold only what is known. */
export function definedOnly<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

/** `text` with every occurrence of each secret replaced, so a server that echoes one cannot leak it. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  return secrets.reduce<string>((out, secret) => (secret ? out.split(secret).join('[redacted]') : out), text);
}
