/**
 * What the start-up log tells an operator: where the portal listens, how TLS is done, which
 * database and which master key it uses, and which domain controllers it talks to. Nothing here
 * is a secret: the database URL loses its password, the key is shown by its fingerprint.
 */
import type { AddressInfo } from 'node:net';
import type { App } from '../app.ts';
import { databaseOptions } from '../config/paths.ts';
import type { Config } from '../config/schema.ts';

export type DatabaseDescription = { kind: 'sqlite'; file: string } | { kind: 'postgresql'; host: string; port: number; database: string; user: string };

/** The database `config` uses, without its password (nor the URL's query, which may hold one). */
export function describeDatabase(config: Config): DatabaseDescription {
  const { databaseUrl, sqliteFile } = databaseOptions(config);
  if (!databaseUrl) return { kind: 'sqlite', file: sqliteFile };
  const url = new URL(databaseUrl);
  return {
    kind: 'postgresql',
    host: url.hostname || 'the local socket',
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.slice(1)) || '(the user name)',
    user: decodeURIComponent(url.username) || '(the system user)',
  };
}

function urlOf(scheme: 'http' | 'https', address: Pick<AddressInfo, 'address' | 'family' | 'port'>): string {
  return `${scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** The facts of a started portal, one object for one log line. */
export function startUpFacts(app: App, config: Config, redirect: AddressInfo | null) {
  const scheme = app.tls ? 'https' : 'http';
  return {
    listen: app.server.addresses().map((address) => (typeof address === 'string' ? address : urlOf(scheme, address))),
    httpRedirect: redirect ? urlOf('http', redirect) : null,
    tls: app.tls
      ? { profile: config.server.tlsProfile, certificate: app.tls.pfxFile ?? app.tls.certFile }
      : 'plain HTTP: TLS is terminated by the proxy in front (server.behindTlsProxy)',
    publicUrl: config.server.publicUrl ?? null,
    database: describeDatabase(config),
    masterKeyId: app.masterKeyId,
    directory: app.runtime.settings.current().directory.urls,
  };
}
