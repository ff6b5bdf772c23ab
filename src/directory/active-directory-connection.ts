/**
 * The connections to Active Directory (or Samba AD): opening them, encrypted, to the first DC
 * that answers; keeping one service-account connection and reusing it; retiring it when the DC
 * drops it, so that the next call opens a new one (trying each configured DC in turn). No
 * password is ever sent over a connection that is not encrypted.
 */
import { Client } from 'ldapts';
import { bindFailureError, bindFailureOf, isConnectionError, isTlsError, type OperationContext, translateLdapError } from './ad-errors.ts';
import { DirectoryNotEncrypted, ServiceAccountRejected } from './errors.ts';
import { type EntryReader, readEntry } from './ldap-entry.ts';
import { type DirectoryTrust, pinnedConnect, tlsOptions } from './tls.ts';

export interface ActiveDirectoryOptions {
  /** Domain controllers, tried in order: `ldaps://dc:636`, or `ldap://dc:389` with StartTLS. */
  urls: string[];
  /** Upgrade ldap:// connections with StartTLS (default true). Without it no password is sent. */
  startTls?: boolean;
  /** How the DC certificates are trusted. */
  trust?: DirectoryTrust;
  /** The service account: a DN, a UPN or DOMAIN\name. */
  bindDn: string;
  bindPassword: string;
  /** Subtrees in which users are found; default: the whole domain. */
  searchBases?: string[];
  /** Per-operation time limit (default 10 s). */
  timeoutMs?: number;
  /** Time limit for opening a connection (default 5 s). */
  connectTimeoutMs?: number;
  /** Told how long each service-account operation took (for the metrics). */
  onOperation?: (operation: string, seconds: number, ok: boolean) => void;
}

/** A bound connection and the DC it goes to. */
export interface Session {
  client: Client;
  url: string;
}

/** What an operation is, for its error messages; the server is added by the connection. */
export type OperationLabel = Omit<OperationContext, 'server'>;

/**
 * The connections of one directory configuration: the shared service-account connection, and
 * connections of their own for user binds (closed by whoever opened them).
 */
export class AdConnection {
  readonly options: ActiveDirectoryOptions;
  private service: Promise<Session> | null = null;

  constructor(options: ActiveDirectoryOptions) {
    if (options.urls.length === 0) throw new RangeError('at least one directory URL is needed');
    this.options = options;
  }

  /** The same configuration, with only the DC at `url`: its connections never move to another DC. */
  only(url: string): AdConnection {
    return new AdConnection({ ...this.options, urls: [url] });
  }

  /**
   * Runs `work` on the service-account connection, opening it first when needed. Its errors are
   * translated (naming the DC); a connection that was lost is not used again.
   */
  async asService<T>(context: OperationLabel, work: (client: Client, url: string) => Promise<T>): Promise<T> {
    const started = performance.now();
    const done = (ok: boolean) => this.options.onOperation?.(context.operation, (performance.now() - started) / 1000, ok);
    let session: Session;
    try {
      session = await this.serviceSession();
    } catch (error) {
      done(false);
      throw error;
    }
    try {
      const result = await work(session.client, session.url);
      done(true);
      return result;
    } catch (error) {
      done(false);
      // A lost connection is not reused; the next call opens a fresh one.
      if (isConnectionError(error) || !session.client.isConnected) this.dropService(session);
      throw translateLdapError(error, { ...context, server: session.url });
    }
  }

  /**
   * Like asService for work that yields pages (a paged search): each page counts as one
   * operation for onOperation; errors are translated and a lost connection retired the same way.
   */
  async *pagesAsService<T>(context: OperationLabel, work: (client: Client) => AsyncIterable<T>): AsyncGenerator<T> {
    const session = await this.serviceSession();
    yield* this.pages(session, context, work, () => this.dropService(session));
  }

  /**
   * Like pagesAsService, on a service-account connection of its own that is closed when the
   * work ends: for long reads made several at a time, since a DC serves each connection apart.
   */
  async *pagesOnOwnConnection<T>(context: OperationLabel, work: (client: Client) => AsyncIterable<T>): AsyncGenerator<T> {
    const session = await this.openService();
    try {
      yield* this.pages(session, context, work, () => undefined);
    } finally {
      await session.client.unbind().catch(() => undefined);
    }
  }

  private async *pages<T>(session: Session, context: OperationLabel, work: (client: Client) => AsyncIterable<T>, lost: () => void): AsyncGenerator<T> {
    let started = performance.now();
    const done = (ok: boolean) => this.options.onOperation?.(context.operation, (performance.now() - started) / 1000, ok);
    try {
      for await (const page of work(session.client)) {
        done(true);
        yield page;
        started = performance.now();
      }
    } catch (error) {
      done(false);
      if (isConnectionError(error) || !session.client.isConnected) lost();
      throw translateLdapError(error, { ...context, server: session.url });
    }
  }

  /**
   * Opens an encrypted connection to the first DC that answers and binds. Bind failures are
   * thrown as they are (the caller decides what they mean); the next DC is tried only when a
   * DC cannot be reached.
   */
  async open(bindDn: string, password: string): Promise<Session> {
    let lastError: unknown;
    for (const url of this.options.urls) {
      const parsed = new URL(url);
      const secure = parsed.protocol === 'ldaps:';
      const startTls = !secure && this.options.startTls !== false;
      if (!secure && !startTls) throw DirectoryNotEncrypted({ server: url });
      const trust = this.options.trust ?? {};
      const tlsConnectionOptions = tlsOptions(parsed.hostname.replace(/^\[|\]$/g, ''), trust);
      const client = new Client({
        url,
        timeout: this.options.timeoutMs ?? 10_000,
        connectTimeout: this.options.connectTimeoutMs ?? 5_000,
        // ldapts opens TLS at once when given tlsOptions, even for ldap:// (no StartTLS then).
        ...(secure ? { tlsOptions: tlsConnectionOptions } : {}),
        ...(trust.fingerprint ? { createSecureConnection: pinnedConnect(trust.fingerprint) } : {}),
      });
      try {
        if (startTls) await client.startTLS(tlsConnectionOptions);
        await client.bind(bindDn, password);
        return { client, url };
      } catch (error) {
        await client.unbind().catch(() => undefined);
        if (!isConnectionError(error) && !isTlsError(error)) throw error;
        lastError = translateLdapError(error, { operation: 'connect', server: url });
      }
    }
    throw lastError;
  }

  /** An LDAP error as a coded error naming every configured DC (when no one DC is to blame). */
  translate(error: unknown, context: OperationLabel) {
    return translateLdapError(error, { ...context, server: this.options.urls.join(', ') });
  }

  /** Closes the service-account connection; the next operation opens a new one. */
  async close(): Promise<void> {
    const service = this.service;
    this.service = null;
    const session = await service?.catch(() => null);
    await session?.client.unbind().catch(() => undefined);
  }

  private async serviceSession(): Promise<Session> {
    const current = this.service;
    if (current) {
      const session = await current.catch(() => null);
      // isBound turns false when the DC closed the socket; ldapts would reconnect unauthenticated.
      if (session?.client.isBound) return session;
      if (this.service === current) this.service = null;
      if (session) this.dropService(session);
    }
    this.service ??= this.openService().catch((error: unknown) => {
      this.service = null;
      throw error;
    });
    return this.service;
  }

  /** A new connection bound as the service account, its failures in Latchkey's words. */
  private async openService(): Promise<Session> {
    try {
      return await this.open(this.options.bindDn, this.options.bindPassword);
    } catch (error) {
      const reason = bindFailureOf(error);
      if (reason) throw ServiceAccountRejected({ account: this.options.bindDn, reason: bindFailureError(reason).code });
      throw this.translate(error, { operation: 'connect as the service account' });
    }
  }

  private dropService(session: Session): void {
    void this.service?.then(
      (current) => {
        if (current === session) this.service = null;
      },
      () => undefined,
    );
    void session.client.unbind().catch(() => undefined);
  }
}

/** The entry at `dn` itself (base scope) with the named attributes, or null when the DC shows none. */
export async function readOne(client: Client, dn: string, attributes: string[], binary: string[] = []): Promise<EntryReader | null> {
  const { searchEntries } = await client.search(dn, { scope: 'base', attributes, explicitBufferAttributes: binary });
  return searchEntries[0] ? readEntry(searchEntries[0]) : null;
}
