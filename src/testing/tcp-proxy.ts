/**
 * A TCP relay on loopback that tests put between Latchkey and the DC, to count connections
 * and to make the DC "go away" (and come back) on demand. Given the DC's own TLS key, it ends
 * TLS itself and sees the LDAP messages, so that a fault can be aimed at one write.
 */
import net from 'node:net';
import tls from 'node:tls';

/** Where a fault cuts the next modify: before the DC gets it, or after it answered but before the answer is passed on. */
export type CutPoint = 'before-request' | 'before-answer';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Faults armed with cutNextModify that have struck. */
  readonly cuts: number;
  /** Drops every open connection, as a DC does when it restarts or times out idle clients. */
  dropConnections(): Promise<void>;
  /** Drops every connection and stops listening: the DC is gone. */
  stop(): Promise<void>;
  /** Listens again on the same port: the DC is back. */
  start(): Promise<void>;
  /**
   * (With `tls` only.) Cuts the connection that carries the next modify request, at `point`.
   * With `stop`, the proxy stops listening at that moment, so the DC is gone for what follows.
   */
  cutNextModify(point: CutPoint, options?: { stop?: boolean }): void;
}

export interface TcpProxyOptions {
  /** The DC's key and certificate, shown to clients, and the CA the DC is trusted by. */
  tls?: { key: Buffer; cert: Buffer; ca: Buffer };
}

/** LDAP protocolOp tags ([APPLICATION n], constructed). */
const MODIFY_REQUEST = 0x66;
const MODIFY_RESPONSE = 0x67;

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1', options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let cuts = 0;
  let armed: { point: CutPoint; stop: boolean } | null = null;

  const relay = (client: net.Socket) => {
    connections++;
    const upstream = options.tls ? tls.connect({ port: targetPort, host: targetHost, ca: options.tls.ca }) : net.connect(targetPort, targetHost);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
    }
    if (!options.tls) {
      client.pipe(upstream);
      upstream.pipe(client);
      return;
    }
    let answerToCut: { stop: boolean } | null = null;
    const cut = (stop: boolean) => {
      cuts++;
      client.destroy();
      upstream.destroy();
      if (stop) stopping = halt();
    };
    client.on(
      'data',
      ldapMessages((message) => {
        if (armed && protocolOp(message) === MODIFY_REQUEST) {
          const fault = armed;
          armed = null;
          if (fault.point === 'before-request') return cut(fault.stop);
          answerToCut = { stop: fault.stop };
        }
        upstream.write(message);
      }),
    );
    upstream.on(
      'data',
      ldapMessages((message) => {
        if (answerToCut && protocolOp(message) === MODIFY_RESPONSE) return cut(answerToCut.stop);
        client.write(message);
      }),
    );
  };

  const server = options.tls ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, relay) : net.createServer(relay);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  // Set while a cut with `stop` is stopping the proxy, for start() to wait on.
  let stopping: Promise<void> | null = null;
  const dropConnections = async () => {
    const closing = [...sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
    for (const socket of sockets) socket.destroy();
    await Promise.all(closing);
  };
  async function halt() {
    const closed = new Promise((resolve) => server.close(resolve));
    await dropConnections();
    await closed;
  }
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connections() {
      return connections;
    },
    get cuts() {
      return cuts;
    },
    dropConnections,
    stop: halt,
    async start() {
      await stopping;
      await listen(port);
    },
    cutNextModify(point, { stop = false } = {}) {
      if (!options.tls) throw new Error('faults need a TLS proxy, which sees the LDAP messages');
      armed = { point, stop };
    },
  };
}

/** Splits a byte stream into whole BER elements (LDAP messages) and passes each to `each`. */
function ldapMessages(each: (message: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (let header = berHeader(pending); header && pending.length >= header.size + header.length; header = berHeader(pending)) {
      each(pending.subarray(0, header.size + header.length));
      pending = pending.subarray(header.size + header.length);
    }
  };
}

/** The size of the BER tag and length at `at`, and the length they announce; null when incomplete. */
function berHeader(bytes: Buffer, at = 0): { size: number; length: number } | null {
  if (bytes.length < at + 2) return null;
  const first = bytes[at + 1]!;
  if (first < 0x80) return { size: 2, length: first };
  const count = first & 0x7f;
  if (bytes.length < at + 2 + count) return null;
  return { size: 2 + count, length: bytes.readUIntBE(at + 2, count) };
}

/** The protocolOp tag of an LDAP message: SEQUENCE { messageID INTEGER, protocolOp, ... }. */
function protocolOp(message: Buffer): number | undefined {
  const sequence = berHeader(message)!;
  const id = berHeader(message, sequence.size);
  return id ? message[sequence.size + id.size + id.length] : undefined;
}
