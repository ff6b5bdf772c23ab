/**
 * E-mail over SMTP with nodemailer. The connection is encrypted as the administrator chose and
 * never quietly less: 'starttls' refuses a server that does not upgrade, TLS 1.2 is the floor,
 * and certificates are checked against the given CA (or the system store).
 */
import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import nodemailer, { type NodemailerError } from 'nodemailer';
import type { LatchkeyError } from '../errors.ts';
import { bareAddress } from './address.ts';
import { definedOnly, MailConfigInvalid, MailFailed, type MailFailureReason, redact, TLS_ERROR_CODE } from './errors.ts';

/** How the connection to the mail server is encrypted. */
export const SMTP_SECURITY = ['tls', 'starttls', 'none'] as const;

/** The mail server and how to reach it. */
export interface SmtpSettings {
  host: string;
  port: number;
  /** 'tls': implicit TLS (port 465); 'starttls': upgrade required (port 587); 'none': plain, for a local relay. */
  security: (typeof SMTP_SECURITY)[number];
  user?: string;
  password?: string;
  /** The From address, e.g. `Latchkey <noreply@corp.example>`. */
  from: string;
  /** PEM file of the CA(s) that issued the server's certificate. Default: the system's store. */
  caFile?: string;
  /** Limit for connecting, for the greeting and for each wait on the server. Default 10 s. */
  timeoutMs?: number;
}

/** One e-mail. */
export interface OutgoingMail {
  to: string[];
  subject: string;
  text: string;
  html?: string;
}

/** Sends e-mail; every failure is an `LK_MAIL_FAILED`. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  /** Connects, and logs in when a user is set: the admin console's "test" button. */
  verify(): Promise<void>;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Connections a pooled mailer keeps open. */
const POOL_CONNECTIONS = 4;

/**
 * A mailer for `settings`. Throws `LK_MAIL_CONFIG` when the CA file cannot be read. `pool`
 * keeps a few connections open and sends many messages over each (a run of reminders); close()
 * ends them.
 */
export function createMailer(settings: SmtpSettings, { pool = false }: { pool?: boolean } = {}): Mailer {
  const timeout = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const transport = nodemailer.createTransport(
    {
      ...(pool ? { pool: true as const, maxConnections: POOL_CONNECTIONS, maxMessages: Number.POSITIVE_INFINITY } : {}),
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      // 'none' means plain on purpose: a local relay's STARTTLS often has a certificate nobody can check.
      ignoreTLS: settings.security === 'none',
      auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
      tls: tlsOptions(settings.caFile),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
      debug: false,
    },
    { from: settings.from },
  );
  const fail = (error: unknown) => mailFailure(error, settings);
  return {
    async send(mail) {
      // nodemailer would find addresses inside a display name, a group or a list: never guess.
      const invalid = mail.to.filter((to) => bareAddress(to) !== to);
      if (invalid.length || !mail.to.length) {
        throw MailFailed({
          server: `${settings.host}:${settings.port}`,
          reason: 'recipient-invalid',
          error: `not one bare address each: ${JSON.stringify(invalid)}`,
        });
      }
      await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html }).catch((error: unknown) => {
        throw fail(error);
      });
    },
    async verify() {
      await transport.verify().catch((error: unknown) => {
        throw fail(error);
      });
    },
    close: () => transport.close(),
  };
}

function tlsOptions(caFile: string | undefined): tls.ConnectionOptions {
  if (!caFile) return { minVersion: 'TLSv1.2' };
  try {
    // Given a CA, Node trusts only it: the system store no longer vouches for the server.
    return { minVersion: 'TLSv1.2', ca: readFileSync(caFile) };
  } catch (error) {
    throw MailConfigInvalid({ reason: `the CA file ${caFile} cannot be read (${(error as Error).message})` }, { cause: error });
  }
}

/** A nodemailer error as `LK_MAIL_FAILED`, with the password scrubbed from every word of it. */
function mailFailure(error: unknown, settings: SmtpSettings): LatchkeyError {
  const e = (error ?? {}) as NodemailerError;
  const clean = (text: string) => redact(text, [settings.password]);
  const code = [e.code, e.originalCode, e.timeoutType].filter(Boolean).join('/');
  const message = error instanceof Error ? error.message : String(error);
  return MailFailed(
    definedOnly({
      server: `${settings.host}:${settings.port}`,
      reason: reasonOf(e),
      error: clean(code ? `${code}: ${message}` : message),
      command: e.command,
      responseCode: e.responseCode,
      response: e.response === undefined ? undefined : clean(e.response),
    }),
    { cause: error },
  );
}

/** Which part of the envelope the server refused, by the command it refused. */
const ENVELOPE_REFUSALS: Readonly<Record<string, MailFailureReason>> = {
  'MAIL FROM': 'sender-refused',
  'RCPT TO': 'recipient-refused',
  DATA: 'message-refused',
};

function reasonOf(e: NodemailerError): MailFailureReason {
  if (TLS_ERROR_CODE.test(e.originalCode ?? '') || e.timeoutType === 'UPGRADE_TIMEOUT') return 'tls';
  switch (e.code) {
    case 'ETLS':
      // A reply to STARTTLS is the server saying no; without one, the handshake itself failed.
      return e.command === 'STARTTLS' && e.responseCode ? 'starttls-unavailable' : 'tls';
    case 'EAUTH':
    case 'ENOAUTH':
      return 'auth';
    case 'ETIMEDOUT': // any wait, connecting or later: the server is not answering
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
      return 'unreachable';
    case 'EENVELOPE':
      return ENVELOPE_REFUSALS[e.command ?? ''] ?? 'other';
    case 'EMESSAGE':
      return 'message-refused';
    default:
      return 'other';
  }
}
