/**
 * For the operators' tools: /healthz (the process answers), /readyz (the database and at least
 * one domain controller answer) and /metrics (Prometheus text). Only the configured addresses
 * read the metrics and what /readyz found wrong: its errors name the directory's servers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { metricsText } from '../../metrics/cluster.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { addressList, listed } from '../../security/address-list.ts';

/** What /readyz asks: each dependency's check, which resolves once it answers. */
export interface ReadinessChecks {
  database(): Promise<unknown>;
  directory(): Promise<unknown>;
}

/** How long /readyz waits for each dependency. */
const READY_TIMEOUT_MS = 3_000;

function within<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), READY_TIMEOUT_MS).unref())]);
}

export async function operationsRoutes(
  app: FastifyInstance,
  { readiness, metrics, metricsAllowFrom }: { readiness: ReadinessChecks; metrics: Metrics; metricsAllowFrom: string[] },
) {
  const allowed = addressList(metricsAllowFrom);
  // The connection's own address: a proxy's X-Forwarded-For must not open the details.
  const fromAllowedAddress = (request: FastifyRequest) => listed(allowed, request.socket.remoteAddress ?? '');

  app.get('/healthz', async (_request, reply) => reply.type('application/json').send({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    const checks = {
      database: await within(readiness.database()).then(
        () => 'ok',
        (error: Error) => error.message,
      ),
      directory: await within(readiness.directory()).then(
        () => 'ok',
        (error: Error) => error.message,
      ),
    };
    const ready = Object.values(checks).every((state) => state === 'ok');
    const status = ready ? 'ready' : 'not ready';
    return reply
      .code(ready ? 200 : 503)
      .type('application/json')
      .send(fromAllowedAddress(request) ? { status, checks } : { status });
  });

  app.get('/metrics', async (request, reply) => {
    if (!fromAllowedAddress(request)) return reply.code(403).type('text/plain').send('forbidden\n');
    return reply.type(metrics.registry.contentType).send(await metricsText(metrics.registry));
  });
}
