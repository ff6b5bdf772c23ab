/**
 * Keeps /admin and /helpdesk (every route under each, their sign-in pages included) to the
 * addresses their allowFrom lists name. The client is request.ip: X-Forwarded-For counts only
 * from server.trustedProxies. Anyone else gets exactly the page of an unknown address.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { NetworkGate, StaffArea } from '../flows/staff-networks.ts';

/** The staff area a request is for, by its matched route and by its path, or null. */
export function staffAreaOf(request: FastifyRequest): StaffArea | null {
  for (const path of [request.routeOptions.url ?? '', request.url.split('?')[0]!]) {
    for (const area of ['admin', 'helpdesk'] as const) {
      if (path === `/${area}` || path.startsWith(`/${area}/`)) return area;
    }
  }
  return null;
}

/** An onRequest hook: a request into a staff area from an address not allowed is answered as not found. */
export function staffNetworkGuard(gate: NetworkGate) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const area = staffAreaOf(request);
    if (area && !(await gate(area, request.ip))) return reply.callNotFound();
  };
}
