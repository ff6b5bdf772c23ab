/** The start page: the menu of what a person can do, and links that open one of its pages filled in. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { choiceField, readForm, textField } from '../form-schema.ts';

const menuQuery = z.object({ cmd: choiceField(['enroll', 'reset', 'unlock', 'change']), username: textField(), domain: textField(64) });

export async function menuRoutes(app: FastifyInstance) {
  app.get('/', async (request, reply) => {
    const read = readForm(menuQuery, request.query);
    // A link of the form /?cmd=enroll&username=jsmith&domain=CORP opens that page filled in.
    if (read.ok && read.values.cmd) {
      const params = new URLSearchParams();
      for (const name of ['username', 'domain'] as const) if (read.values[name]) params.set(name, read.values[name]);
      return reply.redirect(`/${read.values.cmd}${params.size ? `?${params}` : ''}`, 303);
    }
    return reply.view('menu', {});
  });
}
