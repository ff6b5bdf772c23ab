/**
 * The breached-password range for the page's live check, answered as the Pwned Passwords range
 * API answers: `SUFFIX:COUNT` lines, plain text. Anonymous and stateless: no session, no cookie,
 * nothing written; the log keeps the route, not the prefix asked for.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LatchkeyError } from '../../errors.ts';
import type { FlowContext } from '../../flows/context.ts';
import { passwordRange, RangeRateLimited } from '../../flows/password-range.ts';

/**
 * Per source address. Someone trying a few passwords needs a handful a minute; 60 leaves ample
 * room for that and makes walking the 1,048,576 prefixes from one address take about 12 days.
 * Counted in memory (per instance) like the flood guard, so that an anonymous GET writes nothing.
 */
const CHECKS_PER_MINUTE = 60;

export async function passwordCheckRoutes(app: FastifyInstance, { ctx }: { ctx: FlowContext }) {
  const { t } = ctx;

  /** Refusals in plain text like the answer itself; anything unexpected goes to the portal's error page. */
  const refusal = (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    if (!(error instanceof LatchkeyError) || error.status >= 500) throw error;
    return reply
      .code(error.status)
      .type('text/plain; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(`${error.code}: ${t(error.code)}\n`);
  };

  app.get<{ Params: { prefix: string } }>(
    '/password-check/range/:prefix',
    {
      config: {
        rateLimit: { max: CHECKS_PER_MINUTE, timeWindow: 60_000, errorResponseBuilder: () => RangeRateLimited({}) },
        logRoute: true,
      },
      errorHandler: refusal,
    },
    async (request, reply) => {
      const entries = await passwordRange(ctx, request.params.prefix);
      return reply
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(entries.map((entry) => `${entry.suffix}:${entry.count}\n`).join(''));
    },
  );
}
