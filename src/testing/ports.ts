/** Free ports for tests whose configuration must name a port before its server listens. */
import { type AddressInfo, createServer } from 'node:net';

/** A loopback port that is free right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
