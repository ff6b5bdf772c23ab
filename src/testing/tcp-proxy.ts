/**
 * A TCP relay on loopback that tests put between Latchkey and the DC, to count connections
 * and to make the DC "go away" (and come back) on demand.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Drops every open connection, as a DC does when it restarts or times out idle clients. */
  dropConnections(): Promise<void>;
  /** Drops every connection and stops listening: the DC is gone. */
  stop(): Promise<void>;
  /** Listens again on the same port: the DC is back. */
  start(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(targetPort, targetHost);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const dropConnections = async () => {
    const closing = [...sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
    for (const socket of sockets) socket.destroy();
    await Promise.all(closing);
  };
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connections() {
      return connections;
    },
    dropConnections,
    async stop() {
      const closed = new Promise((resolve) => server.close(resolve));
      await dropConnections();
      await closed;
    },
    start: () => listen(port),
  };
}
