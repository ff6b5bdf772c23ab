/**
 * An in-process SMTP sink on 127.0.0.1 for demo mode's /dev/outbox page and for tests: it takes
 * any message, without TLS or login, and keeps the latest ones in memory. It never relays.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { parseMessage } from './mime.ts';

/** A message the outbox received. */
export interface OutboxMessage {
  /** Envelope recipients: where the message was actually sent. */
  to: string[];
  /** Envelope sender. */
  from: string;
  /** Subject, decoded. */
  subject: string;
  /** The text/plain part, decoded. */
  text: string;
  /** When it arrived. */
  date: Date;
  /** The message as received, headers and all. */
  raw: string;
}

/** A running outbox. */
export interface Outbox {
  readonly port: number;
  /** The kept messages, newest first (as the /dev/outbox page lists them). */
  messages(): OutboxMessage[];
  /**
   * The newest kept message that matches, or the first that arrives within `timeoutMs`.
   * Rejects when none does.
   */
  waitFor(predicate: (message: OutboxMessage) => boolean, timeoutMs?: number): Promise<OutboxMessage>;
  close(): Promise<void>;
}

/** How many messages are kept; older ones are dropped. */
export const OUTBOX_CAPACITY = 200;
/** Larger messages are refused, so a flood cannot fill memory. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Starts an outbox on 127.0.0.1, on `port` or (by default) any free port. */
export async function startOutbox(options: { port?: number } = {}): Promise<Outbox> {
  const kept: OutboxMessage[] = [];
  const waiters = new Set<(message: OutboxMessage) => void>();

  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    disableReverseLookup: true,
    size: MAX_MESSAGE_BYTES,
    rejectOversized: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(Object.assign(new Error('Message too large'), { responseCode: 552 }));
        const raw = Buffer.concat(chunks);
        const parsed = parseMessage(raw);
        const { mailFrom, rcptTo } = session.envelope;
        const message: OutboxMessage = {
          to: rcptTo.map((recipient) => recipient.address),
          from: mailFrom ? mailFrom.address : '',
          subject: parsed.subject,
          text: parsed.text,
          date: new Date(),
          raw: raw.toString('utf8'),
        };
        kept.push(message);
        if (kept.length > OUTBOX_CAPACITY) kept.shift();
        for (const notify of waiters) notify(message);
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client's misbehaviour must not crash the process that hosts the outbox.
  server.on('error', () => undefined);

  return {
    port: (server.server.address() as AddressInfo).port,
    messages: () => kept.toReversed(),
    waitFor(predicate, timeoutMs = 5000) {
      const found = kept.findLast(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const check = (message: OutboxMessage) => {
          if (!predicate(message)) return;
          done();
          resolve(message);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching message reached the outbox within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
