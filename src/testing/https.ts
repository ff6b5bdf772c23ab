/** Requests to a served portal over real connections, for tests of serving. */
import { request as httpsRequest } from 'node:https';
import type tls from 'node:tls';

/** GET over HTTPS trusting only `ca`: status, headers, body and the presented certificate's fingerprint. */
export function httpsGet(
  port: number,
  path: string,
  ca: Buffer,
): Promise<{ status: number; headers: Record<string, unknown>; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host: '127.0.0.1', port, path, ca, servername: undefined, agent: false }, (response) => {
      const fingerprint = (response.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body, fingerprint }));
    });
    request.on('error', reject);
    request.end();
  });
}

/**
 * Starts a first reset step at `origin` (plain HTTP, as behind a proxy) once its form is loaded;
 * `answer` is not awaited: with a response delay configured, the request stays in flight a while.
 */
export async function resetInFlight(origin: string): Promise<{ answer: Promise<Response> }> {
  const form = await fetch(`${origin}/reset`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const answer = fetch(`${origin}/reset`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: form.headers.get('set-cookie')!.split(';')[0]!, 'content-type': 'application/x-www-form-urlencoded' },
    body: `username=someone&domain=&_csrf=${encodeURIComponent(csrf)}`,
  });
  return { answer };
}
