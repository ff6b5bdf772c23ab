/**
 * A local HTTP server speaking Twilio's Messages API (create a message), for tests that send
 * text messages: it checks the account path and Basic auth, and keeps what was sent.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentText {
  to: string;
  from: string;
  body: string;
}

export interface TwilioFake {
  readonly apiBase: string;
  readonly accountSid: string;
  readonly authToken: string;
  readonly sent: SentText[];
  close(): Promise<void>;
}

export async function startTwilioFake(): Promise<TwilioFake> {
  const accountSid = `AC${'0123456789abcdef'.repeat(2)}`;
  const authToken = 'twilio-test-token';
  const sent: SentText[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
      const json = (status: number, body: object) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method !== 'POST' || request.url !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
        return json(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      }
      if (request.headers.authorization !== expectedAuth) return json(401, { code: 20003, message: 'Authenticate', status: 401 });
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const message = { to: form.get('To') ?? '', from: form.get('From') ?? '', body: form.get('Body') ?? '' };
      sent.push(message);
      json(201, { sid: `SM${sent.length.toString(16).padStart(32, '0')}`, status: 'queued', to: message.to, from: message.from });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBase: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    sent,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
