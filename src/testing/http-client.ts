/**
 * HTTP over real sockets to a portal on 127.0.0.1, for the benches and for tests of a portal in
 * another process (an installed package, a `latchkey serve` child): one request, and a
 * browser-like client with the interface of web-client.ts that the journey helpers drive.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { browserClient, type WebClient } from './web-client.ts';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** From sending the request to the last byte of the answer. */
  ms: number;
}

/** A keep-alive agent for `sockets` concurrent connections. */
export const keepAlive = (sockets: number) => new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });

/** One request to 127.0.0.1:`port`. */
export function send(port: number, agent: Agent, method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...headers,
          ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * A browser-like client over real sockets with the interface of src/testing/web-client.ts
 * (cookies kept, the last page's CSRF token sent back, 303s followed by `submit`), so that
 * enroll() and answerAll() of src/testing/journeys.ts drive it. `ip` goes out as
 * X-Forwarded-For, believed because the portal trusts 127.0.0.1 as its proxy.
 */
export function httpWebClient(port: number, agent: Agent, defaults: { ip: string }): WebClient {
  return browserClient(async ({ method, path, headers, form, ip }) => {
    const reply = await send(port, agent, method, path, { ...headers, 'x-forwarded-for': ip }, form);
    return { status: reply.status, body: reply.body, headers: reply.headers };
  }, defaults.ip);
}
