/**
 * An SMTP server for the reminder tests and bench: it counts what it accepts (recipient and
 * subject only, so that 100,000 messages take little memory) and can be "down" on demand,
 * answering 421 to every new connection and every message until it is up again: a message it
 * refuses was not accepted, so the sender knows it did not go.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  readonly port: number;
  /** Accepted messages: envelope recipient and subject, in arrival order (none kept with `keep: false`). */
  readonly received: { to: string; subject: string }[];
  /** How many messages were accepted. */
  readonly accepted: number;
  /** While true, connections and messages are refused with 421. */
  down: boolean;
  /** Called after each accepted message (a test stops the sink or the run part-way). */
  onAccepted: ((count: number) => void) | null;
  close(): Promise<void>;
}

const SERVICE_UNAVAILABLE = () => Object.assign(new Error('Service not available'), { responseCode: 421 });

/** Starts a sink on 127.0.0.1; `keep: false` only counts (a bench of 100,000 messages). */
export async function startSmtpSink({ keep = true }: { keep?: boolean } = {}): Promise<SmtpSink> {
  let accepted = 0;
  const sink: Omit<SmtpSink, 'port' | 'close' | 'accepted'> = { received: [], down: false, onAccepted: null };
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    onConnect(_session, callback) {
      callback(sink.down ? SERVICE_UNAVAILABLE() : undefined);
    },
    onMailFrom(_address, _session, callback) {
      callback(sink.down ? SERVICE_UNAVAILABLE() : undefined);
    },
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('utf8');
      });
      stream.on('end', () => {
        if (sink.down) return callback(SERVICE_UNAVAILABLE());
        const subject = /^Subject: (.*)$/im.exec(head)?.[1]?.trim() ?? '';
        accepted++;
        if (keep) for (const recipient of session.envelope.rcptTo) sink.received.push({ to: recipient.address, subject });
        callback();
        sink.onAccepted?.(accepted);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  // Getters, not copies: the counts change as messages come.
  return Object.defineProperties(sink, {
    port: { value: (server.server.address() as AddressInfo).port },
    accepted: { get: () => accepted },
    close: { value: () => new Promise<void>((resolve) => server.close(() => resolve())) },
  }) as SmtpSink;
}
