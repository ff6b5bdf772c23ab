/**
 * Running the portal for real: HTTPS (or plain HTTP only when a TLS proxy is declared), the
 * HTTP-to-HTTPS redirect, certificate reloads, and a graceful stop: on SIGTERM new connections
 * are refused, requests in flight finish, then the database and directory connections close.
 */
import { createServer, type Server } from 'node:http';
import type { App } from './app.ts';
import type { Config } from './config/schema.ts';
import { TlsRequired, watchCertificate } from './web/tls.ts';

export interface Running {
  /** The HTTP redirect listener, when configured. */
  redirect: Server | null;
  stop(): Promise<void>;
}

/** Where a plain-HTTP request is sent: the public URL's origin, never the request's Host. */
function redirectTarget(config: Config): URL {
  if (config.server.publicUrl) return new URL(config.server.publicUrl);
  return new URL(`https://${config.server.host === '0.0.0.0' ? 'localhost' : config.server.host}:${config.server.port}/`);
}

export async function serve(app: App, config: Config): Promise<Running> {
  if (!app.tls && !config.server.behindTlsProxy) throw TlsRequired({});
  if (!app.tls) {
    app.server.log.warn('serving plain HTTP because server.behindTlsProxy is set: the proxy in front must terminate TLS, and only it may reach this port');
  }
  await app.server.listen({ host: config.server.host, port: config.server.port });
  const stopWatching = app.tls ? watchCertificate(app.server.server as unknown as { setSecureContext: (o: object) => void }, app.tls, config.server.tlsProfile, app.server.log) : () => undefined;
  let redirect: Server | null = null;
  if (config.server.httpRedirectPort) {
    const target = redirectTarget(config);
    redirect = createServer((request, response) => {
      const location = new URL(request.url ?? '/', target);
      location.protocol = 'https:';
      response.writeHead(301, { location: location.href, 'content-type': 'text/plain' }).end(`Moved to ${location.href}\n`);
    });
    await new Promise<void>((resolve) => redirect!.listen(config.server.httpRedirectPort, config.server.host, resolve));
  }
  return {
    redirect,
    async stop() {
      stopWatching();
      redirect?.close();
      // Fastify's close stops accepting and lets requests in flight finish; a kept-alive
      // connection that goes idle after its last answer is closed at once rather than after
      // the keep-alive timeout (72 s).
      const server = app.server.server as unknown as { closeIdleConnections(): void };
      const sweeper = setInterval(() => server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearInterval(sweeper);
      }
    },
  };
}
