/**
 * Running the portal for real: HTTPS (or plain HTTP only when a TLS proxy is declared), the
 * HTTP-to-HTTPS redirect, and the service's signals. SIGHUP reloads what can change while the
 * portal runs and never stops it; SIGTERM (or SIGINT) refuses new connections, lets requests in
 * flight finish, then closes the database and directory connections. Start, reload and stop are
 * each logged.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../app.ts';
import { generatedCertificate, hasGeneratedCertificate } from '../certificates/self-signed.ts';
import { type CertificateReloader, TlsRequired, watchCertificate } from '../certificates/serving.ts';
import { describeDrift, settingsDrift } from '../config/drift.ts';
import type { Config } from '../config/schema.ts';
import { createError } from '../errors.ts';
import { startUpFacts } from './start-up-facts.ts';
import { STOP_MESSAGE } from './workers.ts';

const LISTEN_HINTS: Record<string, string> = {
  EADDRINUSE: 'another process holds that port: stop it, or choose another port',
  EACCES: 'ports below 1024 need the CAP_NET_BIND_SERVICE capability (docs/latchkey.service grants it), or choose a port above 1024',
  EADDRNOTAVAIL: 'no interface of this machine has that address: check server.host',
};

export const ListenFailed = createError<{ address: string; setting: string; reason: string }>(
  'LK_LISTEN_FAILED',
  (d) => `Latchkey cannot listen on ${d.address} (${d.setting}): ${LISTEN_HINTS[d.reason] ?? d.reason}.`,
  500,
);

/** What a reload leaves untouched: the start-up configuration is read once. */
const NOT_RELOADED = 'the configuration file and environment (server, database, master key, ui and its overrides, log, admin): restart for these';

export interface Running {
  /** The HTTP redirect listener, when configured. */
  redirect: Server | null;
  /** Stops gracefully; `signal` is logged as the reason. */
  stop(signal?: string): Promise<void>;
}

/** Where a plain-HTTP request is sent: the public URL's origin, never the request's Host. */
function redirectTarget(config: Config): URL {
  if (config.server.publicUrl) return new URL(config.server.publicUrl);
  return new URL(`https://${config.server.host === '0.0.0.0' ? 'localhost' : config.server.host}:${config.server.port}/`);
}

/** What the start-up log says before listening: plain HTTP, an unused certificate, ignored file settings. */
function startupWarnings(app: App, config: Config): void {
  const log = app.server.log;
  if (!app.tls) {
    log.warn('serving plain HTTP because server.behindTlsProxy is set: the proxy in front must terminate TLS, and only it may reach this port');
    if (hasGeneratedCertificate(config)) {
      log.warn(
        { certFile: generatedCertificate(config).certFile },
        'server.behindTlsProxy wins over the certificate `latchkey init` made: it is not used (remove it, or the setting, to silence this)',
      );
    }
  }
  if (app.runtime.settings.current().protection.responseDelayMs.max === 0) {
    log.warn(
      'protection.responseDelayMs is 0–0: the first steps answer as soon as their work is done, and their timing can tell real accounts from unknown names',
    );
  }
  const drift = settingsDrift(config, app.runtime.settings.current());
  if (drift.length) {
    log.warn(
      { settings: describeDrift(drift) },
      "the config file sets these settings differently from the database; the database's are in force (change them in the admin console, or remove them from the file)",
    );
  }
}

async function listening<T>(listen: () => Promise<T>, address: string, setting: string): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    throw ListenFailed({ address, setting, reason: (error as NodeJS.ErrnoException).code ?? String(error) }, { cause: error });
  }
}

function startRedirect(config: Config, port: number): Promise<Server> {
  const target = redirectTarget(config);
  const redirect = createServer((request, response) => {
    const location = new URL(request.url ?? '/', target);
    location.protocol = 'https:';
    response.writeHead(301, { location: location.href, 'content-type': 'text/plain' }).end(`Moved to ${location.href}\n`);
  });
  return new Promise((resolve, reject) => {
    redirect.once('error', reject);
    redirect.listen(port, config.server.host, () => resolve(redirect));
  });
}

export async function serve(app: App, config: Config): Promise<Running> {
  if (!app.tls && !config.server.behindTlsProxy) throw TlsRequired({});
  const log = app.server.log;
  startupWarnings(app, config);
  // Requests are counted at the socket level so that the stop can say how many it waited for.
  let inFlight = 0;
  let finishedWhileStopping = 0;
  let stopping = false;
  app.server.server.on('request', (_request, response) => {
    inFlight++;
    response.once('close', () => {
      inFlight--;
      if (stopping) finishedWhileStopping++;
    });
  });
  let redirect: Server | null = null;
  try {
    await listening(
      () => app.server.listen({ host: config.server.host, port: config.server.port }),
      `${config.server.host}:${config.server.port}`,
      'server.host, server.port',
    );
    const redirectPort = config.server.httpRedirectPort;
    if (redirectPort) redirect = await listening(() => startRedirect(config, redirectPort), `${config.server.host}:${redirectPort}`, 'server.httpRedirectPort');
  } catch (error) {
    await app.close();
    throw error;
  }
  const certificate: CertificateReloader | null = app.tls
    ? watchCertificate(
        app.server.server as unknown as { setSecureContext: (o: object) => void },
        app.tls,
        config.server.tlsProfile,
        log,
        app.certificates.forget,
      )
    : null;

  // The web certificate (when serving HTTPS) and the settings from the database; logged.
  const reload = async (why: string) => {
    if (stopping) {
      log.info({ why }, 'reload ignored: the portal is stopping');
      return;
    }
    const reloaded: Record<string, string> = {};
    if (certificate) reloaded.webCertificate = certificate.reload(why) ? 'reloaded' : 'the previous one stays (see the error above)';
    try {
      const changed = await app.runtime.settings.refresh();
      if (changed) app.runtime.apply();
      reloaded.settings = changed ? 'changed, applied' : 'unchanged';
    } catch (error) {
      log.error({ err: error, why }, 'could not reload the settings; the current ones stay in force');
      reloaded.settings = 'failed (see the error above)';
    }
    // Certificate days in /metrics are read afresh: a DC's certificate may have been renewed too.
    app.certificates.forget();
    log.info({ why, reloaded, notReloaded: NOT_RELOADED }, 'reloaded');
  };
  // In every mode: without a handler SIGHUP ends the process, and `systemctl reload` sends it.
  const onHangUp = () => void reload('SIGHUP');
  process.on('SIGHUP', onHangUp);

  log.info(startUpFacts(app, config, redirect ? (redirect.address() as AddressInfo) : null), 'Latchkey is serving');
  return {
    redirect,
    async stop(signal = 'stop requested') {
      stopping = true;
      const started = Date.now();
      log.info({ signal, inFlight }, 'stopping: no new connections; the requests in flight finish first');
      certificate?.stop();
      redirect?.close();
      // Fastify's close stops accepting and lets requests in flight finish; a kept-alive
      // connection that goes idle after its last answer is closed at once rather than after
      // the keep-alive timeout (72 s).
      const server = app.server.server as unknown as { closeIdleConnections(): void };
      const sweeper = setInterval(() => server.closeIdleConnections(), 100);
      try {
        await app.close();
      } catch (error) {
        log.error({ err: error, signal }, 'the stop failed');
        throw error;
      } finally {
        clearInterval(sweeper);
        process.off('SIGHUP', onHangUp);
      }
      log.info(
        { signal, requestsFinished: finishedWhileStopping, ms: Date.now() - started },
        'stopped: the requests in flight finished; database and directory connections closed',
      );
    },
  };
}

/**
 * For the service: SIGTERM or SIGINT stops gracefully, then the process ends (1 when the stop
 * failed). A second signal during the stop meets no handler and ends the process at once. A
 * worker is also stopped by its primary's message (the signal may reach it too: once counts).
 */
export function exitOnStopSignals(running: Running): void {
  const stop = (signal: string) => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('message', fromPrimary);
    void running.stop(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  const fromPrimary = (message: unknown) => {
    if (message === STOP_MESSAGE) stop('stop asked by the primary process');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('message', fromPrimary);
}
